/**
 * Upstream Tierkreis, for the live cross-checks: its work tree, the pydantic stand-in it runs with
 * here (../shared/tierkreis-shim) and Python 3.12. CI has none of these; each live test is then
 * skipped with the reason, and the recorded fixtures carry the comparison.
 *
 * Found from TIERKREIS_UPSTREAM (a work tree), else a fetched mirror of the repository (its
 * recorded commit is extracted under test/.out); TIERKREIS_SHIM; PYTHON312, else pyenv's 3.12.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../support/tester.js";

export interface Upstream {
  /** Work tree: `<tree>/tierkreis` is upstream's Python package folder. */
  readonly tree: string;
  readonly shim: string;
  readonly python: string;
  /** Environment to run Python with upstream importable. */
  readonly env: NodeJS.ProcessEnv;
}

export const upstreamCommit: string = JSON.parse(
  readFileSync(join(repoRoot, "test/fixtures/tierkreis/stubs/cases.json"), "utf8"),
).upstream_commit;

const MIRROR = "/work/.mirror/Quantinuum+tierkreis/repo";

let found: Upstream | string | undefined;

/** Upstream, or why it cannot run here. */
export function findUpstream(): Upstream | string {
  found ??= locate();
  return found;
}

function locate(): Upstream | string {
  const tree = process.env.TIERKREIS_UPSTREAM ?? fromMirror();
  if (!tree || !existsSync(join(tree, "tierkreis/tierkreis"))) {
    return "upstream Tierkreis not found (set TIERKREIS_UPSTREAM to a work tree of github.com/Quantinuum/tierkreis)";
  }
  const shim = [
    process.env.TIERKREIS_SHIM,
    join(repoRoot, "../shared/tierkreis-shim"),
    join(repoRoot, "../../shared/tierkreis-shim"),
  ]
    .filter((p): p is string => !!p)
    .find((p) => existsSync(join(p, "pydantic")));
  if (!shim) return "the pydantic stand-in ../shared/tierkreis-shim not found (set TIERKREIS_SHIM)";
  const python = [process.env.PYTHON312, pyenvPython()].filter((p): p is string => !!p).find(runs);
  if (!python) return "Python 3.12 not found (set PYTHON312)";
  return {
    tree,
    shim,
    python,
    env: { ...process.env, PYTHONPATH: `${shim}:${join(tree, "tierkreis")}` },
  };
}

function fromMirror(): string | undefined {
  if (!existsSync(MIRROR)) return undefined;
  const tree = join(repoRoot, "test/.out/tierkreis-upstream", upstreamCommit);
  if (existsSync(join(tree, "tierkreis/tierkreis"))) return tree;
  try {
    mkdirSync(tree, { recursive: true });
    const archive = execFileSync("git", ["--git-dir", MIRROR, "archive", upstreamCommit], { maxBuffer: 256 << 20 });
    execFileSync("tar", ["x", "-C", tree], { input: archive });
    return tree;
  } catch {
    return undefined;
  }
}

function pyenvPython(): string | undefined {
  let root = join(homedir(), ".pyenv");
  try {
    root = execFileSync("pyenv", ["root"], { encoding: "utf8" }).trim();
  } catch {
    // No pyenv on PATH: its default root.
  }
  return join(root, "versions/3.12.1/bin/python3.12");
}

function runs(python: string): boolean {
  try {
    return (
      execFileSync(python, ["-c", "import sys; print(sys.version_info >= (3, 12))"], { encoding: "utf8" }).trim() ===
      "True"
    );
  } catch {
    return false;
  }
}

/**
 * Real `tsp compile` runs on copies of fixture projects, inside the repository so that
 * `import "typespec-workers"` and `typespec-workers/runtime` resolve to this package.
 */
import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "./tester.js";

const exec = promisify(execFile);
export const bin = join(repoRoot, "node_modules/.bin");
/**
 * Child processes get Node ≥ 22 from node_modules/.bin first on PATH, as npm scripts do, and no
 * colours: `tsp` colours its diagnostics when `CI` is set, which the tests' patterns do not expect.
 */
const { FORCE_COLOR: _forceColor, ...inherited } = process.env;
export const childEnv = { ...inherited, NO_COLOR: "1", PATH: `${bin}:${process.env.PATH}` };

export function scratchDir(area: string): string {
  const base = join(repoRoot, "test/.out", area);
  mkdirSync(base, { recursive: true });
  return mkdtempSync(join(base, "run-"));
}

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program to its end; a non-zero exit is a result, not an exception. */
export async function run(file: string, args: readonly string[], cwd: string): Promise<CommandResult> {
  try {
    const { stdout, stderr } = await exec(file, args, { cwd, env: childEnv, maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === "number" ? err.code : 1, stdout: err.stdout ?? "", stderr: err.stderr ?? "" };
  }
}

/** Copies `test/fixtures/specs/<name>` to a scratch folder, with an optional tspconfig.yaml. */
export function projectFromFixture(name: string, tspconfig?: string): string {
  const dir = scratchDir("projects");
  cpSync(join(repoRoot, "test/fixtures/specs", name), dir, { recursive: true });
  if (tspconfig !== undefined) writeFileSync(join(dir, "tspconfig.yaml"), tspconfig);
  return dir;
}

export function tspCompile(
  dir: string,
  args: readonly string[] = ["--emit", "typespec-workers"],
): Promise<CommandResult> {
  return run(join(bin, "tsp"), ["compile", ".", ...args], dir);
}

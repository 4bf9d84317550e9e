/**
 * The package as users get it: `npm pack`, then the README's "Use it in your own project" steps in
 * an empty folder with the machine's own (system) Node on PATH first — 20 on these machines, so the
 * steps must bring Node >= 22 themselves. Needs the npm registry (or npm's cache) for the
 * dependencies, as a real install does.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../support/tester.js";

let dir: string;
let tarball: string;
let files: string[];

/** PATH without this repository's node_modules/.bin: a user's shell, whose `node` is the system's. */
function userPath(): string {
  return (process.env.PATH ?? "")
    .split(":")
    .filter((p) => !p.includes("node_modules"))
    .join(":");
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tw-package-"));
  const out = execFileSync("npm", ["pack", "--json", "--pack-destination", dir], {
    cwd: repoRoot,
    encoding: "utf8",
    env: { ...process.env, PATH: userPath() },
  });
  const [info] = JSON.parse(out) as { filename: string; files: { path: string }[] }[];
  tarball = join(dir, info.filename);
  files = info.files.map((f) => f.path);
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the tarball", () => {
  it("ships what the README links to and promises", () => {
    expect(files).toContain("LICENSE");
    expect(files).toContain("lib/main.tsp");
    // The compiled string codec is built from its source on the user's machine.
    expect(files).toContain("dist/src/graph/executors/native-codec.c");
    const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
    const linked = [...readme.matchAll(/\]\((docs\/[^)#]+)/g)].map((m) => m[1]);
    expect(linked.length).toBeGreaterThan(0);
    for (const doc of linked) expect(files, `README links ${doc}`).toContain(doc);
  });

  it("ships no source maps, no test files, and every declaration file it refers to", () => {
    expect(files.filter((f) => f.endsWith(".map"))).toEqual([]);
    expect(files.filter((f) => /test/i.test(f))).toEqual([]);
    const declared = new Set(files);
    for (const f of files.filter((f) => f.endsWith(".d.ts"))) {
      const text = readFileSync(join(repoRoot, f), "utf8");
      for (const m of text.matchAll(/(?:from |import\()"(\.{1,2}\/[^"]+)\.js"/g)) {
        const target = join(f, "..", `${m[1]}.d.ts`);
        expect(declared.has(target), `${f} refers to ${target}`).toBe(true);
      }
    }
  });

  it("names its repository, licence and Node requirement", () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8"));
    expect(pkg.license).toBe("MIT");
    expect(pkg.engines.node).toBe(">=22");
    expect(pkg.type).toBe("module");
  });
});

describe("a fresh project from an empty folder, as the README says", () => {
  it("compiles a spec, type-checks the graph and runs it with system Node first on PATH", () => {
    const project = join(dir, "project");
    const cache = join(dir, "cache");
    const r = spawnSync("bash", [join(repoRoot, "test/package/fresh-project.sh"), tarball, project], {
      encoding: "utf8",
      env: { ...process.env, PATH: userPath(), NO_COLOR: "1", TW_CACHE_DIR: cache },
      timeout: 400_000,
    });
    expect(r.status, r.stderr + r.stdout).toBe(0);
    const last = r.stdout.trim().split("\n").at(-1);
    expect(JSON.parse(last ?? "")).toEqual({ loud: "TYPED WORKERS FROM TYPESPEC", words: 4 });
    expect(existsSync(join(project, "workers/text_worker/stubs.ts"))).toBe(true);
    expect(readdirSync(join(project, "workers"))).toContain("text_worker");
    // The run built the compiled string codec from the installed package's source.
    expect(readdirSync(cache)).toEqual([expect.stringMatching(/^string-codec-[0-9a-f]{16}-/)]);
  }, 420_000);
});

describe("first use on an old Node", () => {
  // The machines this project targets have Node 20 system-wide; elsewhere there may be none.
  const systemNode = ["/usr/bin/node", "/usr/local/bin/node"].find((p) => existsSync(p));
  const version = systemNode ? spawnSync(systemNode, ["--version"], { encoding: "utf8" }).stdout.trim() : "";
  const old = /^v(1\d|2[01])\./.test(version);
  it.skipIf(!old)(`says Node >= 22 is needed and how to get it (system Node ${version || "absent"})`, () => {
    const r = spawnSync(systemNode!, [join(repoRoot, "dist/src/cli/bin.js"), "--version"], { encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("needs Node.js >= 22");
    expect(r.stderr).toContain("npm install --save-dev node@24");
  });
});

describe("typespec-workers init from an empty folder", () => {
  it("makes a project whose example graph compiles, type-checks and runs with npm start", () => {
    const where = join(dir, "init");
    const r = spawnSync("bash", [join(repoRoot, "test/package/init-project.sh"), tarball, where], {
      encoding: "utf8",
      env: { ...process.env, PATH: userPath(), NO_COLOR: "1" },
      timeout: 400_000,
    });
    expect(r.status, r.stderr + r.stdout).toBe(0);
    const pkg = JSON.parse(readFileSync(join(where, "demo/package.json"), "utf8"));
    expect(pkg.type).toBe("module");
    const line = r.stdout.split("\n").find((l) => l.startsWith('{"loud"'));
    expect(JSON.parse(line ?? "")).toEqual({
      loud: ["TYPED WORKERS FROM TYPESPEC", "EVERY VALUE CHECKPOINTED"],
      total: "7",
    });
    expect(existsSync(join(where, "demo/workers/text_worker/stubs.ts"))).toBe(true);
  }, 420_000);

  it("refuses a folder that is not empty, writing nothing", () => {
    const busy = join(dir, "busy");
    spawnSync("mkdir", ["-p", busy]);
    spawnSync("touch", [join(busy, "keep")]);
    const r = spawnSync(process.execPath, [join(repoRoot, "dist/src/cli/bin.js"), "init", busy, "--no-install"], {
      encoding: "utf8",
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("is not empty");
    expect(readdirSync(busy)).toEqual(["keep"]);
  });
});

/**
 * Tierkreis's Python stubs (`<worker>/stubs.py`), compared byte for byte with what upstream writes:
 * its own golden files (the IDL test's stubs_output.py, example workers' stubs.py) and upstream's
 * codegen + ruff recorded for more specs (test/fixtures/tierkreis/record/record.sh).
 */
import { execFile } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { bin, run, scratchDir, tspCompile } from "../support/project.js";
import { repoRoot } from "../support/tester.js";
import { findUpstream } from "./upstream.js";

const exec = promisify(execFile);
const cli = join(repoRoot, "dist/src/cli/main.js");
const fixtures = join(repoRoot, "test/fixtures/tierkreis");
const stubsDir = join(fixtures, "stubs");
const manifest = JSON.parse(readFileSync(join(stubsDir, "cases.json"), "utf8")) as {
  upstream_commit: string;
  cases: Record<string, { golden?: string }>;
};
const cases = Object.keys(manifest.cases);
/** Cases whose interface has no generic operation: the whole compile path takes them today. */
const compilable = ["auth_worker", "hello_world_worker", "error_worker", "failing_worker"];
const read = (path: string) => readFileSync(path, "utf8");

/** The writer run on a compiled spec (dist's modules, as the compiler loads them). */
async function writerOutput(spec: string): Promise<string> {
  const { compileBareSpec } = await import(join(repoRoot, "dist/src/tierkreis/bare-spec.js"));
  const { pythonStubs } = await import(join(repoRoot, "dist/src/emitter/python-stubs.js"));
  const program = await compileBareSpec(spec, {
    outputDir: scratchDir("python-stubs"),
    noEmit: true,
  });
  const [iface, ...more] = program.getGlobalNamespaceType().interfaces.values();
  expect(more).toHaveLength(0);
  const result = pythonStubs(program, iface);
  expect(result.diagnostics.map((d: { message: string }) => d.message)).toEqual([]);
  return result.text;
}

async function compileWithCli(spec: string): Promise<{ dir: string; code: number; output: string }> {
  const dir = scratchDir("python-stubs");
  writeFileSync(join(dir, "schema.tsp"), read(spec));
  const result = await run(join(bin, "node"), [cli, "compile", "schema.tsp", "-o", "workers"], dir);
  return { dir, code: result.code, output: result.stdout + result.stderr };
}

describe.each(cases)("Python stubs of %s", (name) => {
  const source = manifest.cases[name]!.golden;
  const what = source
    ? `upstream's own ${source} (at ${manifest.upstream_commit.slice(0, 12)})`
    : "upstream's codegen + ruff";

  it(`are ${what}, byte for byte`, async () => {
    expect(await writerOutput(join(stubsDir, name, "schema.tsp"))).toBe(read(join(stubsDir, name, "stubs.py")));
  });
});

describe("typespec-workers compile of a bare spec", () => {
  it.each(compilable)("writes %s/stubs.py beside stubs.ts, as upstream does", async (name) => {
    const { dir, code, output } = await compileWithCli(join(stubsDir, name, "schema.tsp"));
    expect(code, output).toBe(0);
    // A bare spec says nothing of how to launch a task: the worker is code, and gets no main.sh.
    expect(readdirSync(join(dir, "workers", name)).sort()).toEqual(["stubs.py", "stubs.ts", "worker.json"]);
    expect(read(join(dir, "workers", name, "stubs.py"))).toBe(read(join(stubsDir, name, "stubs.py")));
  });

  it("accepts what upstream's parser does not (comments, enums, unions, optional ports, defaults, void)", async () => {
    const spec = join(fixtures, "stubs-dialect/schema.tsp");
    const { dir, code, output } = await compileWithCli(spec);
    expect(code, output).toBe(0);
    // Reviewed by hand: the Python types upstream's codegen writes for the same Python signature.
    expect(read(join(dir, "workers/dialect/stubs.py"))).toBe(read(join(fixtures, "stubs-dialect/stubs.py")));
  });

  it("refuses a port that Python cannot name, saying where", async () => {
    const dir = scratchDir("python-stubs");
    writeFileSync(join(dir, "schema.tsp"), "interface w {\n  copy(from: string, _to: string): string;\n}\n");
    const result = await run(join(bin, "node"), [cli, "compile", "schema.tsp", "-o", "workers"], dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /schema\.tsp:2:8 - error typespec-workers\/python-stubs: Python stubs: 'from' is a Python keyword/,
    );
    expect(result.stderr).toMatch(
      /schema\.tsp:2:22 - error typespec-workers\/python-stubs: Python stubs: '_to' cannot name a port/,
    );
  });
});

describe("emit: [python] in tspconfig.yaml", () => {
  it("writes stubs.py, and only it", async () => {
    const dir = scratchDir("python-stubs");
    writeFileSync(
      join(dir, "main.tsp"),
      `import "typespec-workers";\nusing Workers;\n\n${read(join(stubsDir, "auth_worker/schema.tsp")).replaceAll(": bool;", ": boolean;")}`,
    );
    writeFileSync(join(dir, "tspconfig.yaml"), "options:\n  typespec-workers:\n    emit: [python]\n");
    const result = await tspCompile(dir);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const out = join(dir, "tsp-output/typespec-workers/auth_worker");
    expect(readdirSync(out)).toEqual(["stubs.py"]);
    expect(read(join(out, "stubs.py"))).toBe(read(join(stubsDir, "auth_worker/stubs.py")));
  });
});

describe("live cross-check with upstream Tierkreis", () => {
  const upstream = findUpstream();
  const skipped = typeof upstream === "string" ? `skipped: ${upstream}` : undefined;
  if (skipped) console.warn(`Python stubs live cross-check ${skipped}`);

  it("upstream's codegen still writes the recorded raw stubs for every spec", async (ctx) => {
    if (typeof upstream === "string") return ctx.skip(upstream);
    const out = scratchDir("python-stubs-live");
    const script = join(fixtures, "record/record_stubs.py");
    await exec(upstream.python, [script, stubsDir, upstream.tree, out], {
      env: upstream.env,
    });
    for (const name of cases) {
      expect(read(join(out, name, "raw.py")), name).toBe(read(join(stubsDir, name, "raw.py")));
    }
  });

  it("upstream imports every stubs.py we write, the ones beyond its dialect too", async (ctx) => {
    if (typeof upstream === "string") return ctx.skip(upstream);
    const files = [...cases.map((c) => join(stubsDir, c, "stubs.py")), join(fixtures, "stubs-dialect/stubs.py")];
    const check = join(repoRoot, "test/tierkreis/import_stubs.py");
    const result = await exec(upstream.python, [check, ...files], {
      env: upstream.env,
    });
    expect(result.stdout.trim().split("\n")).toHaveLength(files.length);
  });
});

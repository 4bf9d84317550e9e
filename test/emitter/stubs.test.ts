import { readdirSync, readFileSync, existsSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { projectFromFixture, tspCompile } from "../support/project.js";
import { EmitTester, repoRoot, Tester } from "../support/tester.js";

const fixtures = join(repoRoot, "test/fixtures/specs");
const update = process.env.UPDATE_FIXTURES === "1";

/** Every file under `dir`, as paths relative to it. */
function listFiles(dir: string, prefix = ""): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(dir, join(prefix, e.name)) : [join(prefix, e.name)],
  );
}

describe.each(["openssl", "all-types", "test-workers"])("fixture %s", (name) => {
  it("emits the stubs checked in under expected/ (reviewed by hand)", async () => {
    const dir = projectFromFixture(name);
    const result = await tspCompile(dir);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const out = join(dir, "tsp-output/typespec-workers");
    for (const file of listFiles(out).filter((f) => f.endsWith("stubs.ts"))) {
      const expectedPath = join(fixtures, name, "expected", file);
      const actual = readFileSync(join(out, file), "utf8");
      if (update) {
        mkdirSync(dirname(expectedPath), { recursive: true });
        writeFileSync(expectedPath, actual);
      }
      expect(actual, `${file} differs from ${expectedPath}`).toBe(readFileSync(expectedPath, "utf8"));
    }
  });

  it("is deterministic: compiling twice gives identical bytes", async () => {
    const [a, b] = [projectFromFixture(name), projectFromFixture(name)];
    await Promise.all([tspCompile(a), tspCompile(b)]);
    const outA = join(a, "tsp-output/typespec-workers");
    const outB = join(b, "tsp-output/typespec-workers");
    const files = listFiles(outA).sort();
    expect(files.length).toBeGreaterThan(0);
    expect(listFiles(outB).sort()).toEqual(files);
    for (const f of files) expect(readFileSync(join(outB, f)), f).toEqual(readFileSync(join(outA, f)));
  });
});

describe("emitter options", () => {
  const spec = `
    interface counter { add(a: int64, b: uint64, c: integer): int64; }`;

  it("maps 64-bit and unbounded integers to bigint by default", async () => {
    const { outputs } = await EmitTester.compile(spec);
    const stubs = outputs["counter/stubs.ts"]!;
    expect(stubs).toContain("inputs: { a: t.int64, b: t.uint64, c: t.integer }");
    expect(stubs).toContain("output: t.int64,");
  });

  it("maps them to range-checked number with int64: number", async () => {
    const { outputs } = await Tester.emit("typespec-workers", { int64: "number" }).compile(spec);
    const stubs = outputs["counter/stubs.ts"]!;
    expect(stubs).toContain("a: t.int64AsNumber");
    expect(stubs).toContain("b: t.uint64AsNumber");
    expect(stubs).toContain("c: t.integerAsNumber");
  });

  it("writes one <worker>.ts per worker with output-layout: flat", async () => {
    const { outputs } = await Tester.emit("typespec-workers", { "output-layout": "flat" }).compile(spec);
    expect(Object.keys(outputs)).toEqual(["counter.ts"]);
  });

  it("writes stubs, manifest (and launcher) per worker folder by default", async () => {
    const { outputs } = await EmitTester.compile(spec);
    expect(Object.keys(outputs)).toContain("counter/stubs.ts");
    const manifest = JSON.parse(outputs["counter/worker.json"]!);
    expect(manifest.tasks.add.inputs.map((p: { name: string }) => p.name)).toEqual(["a", "b", "c"]);
    expect(manifest.tasks.add.outputs[0]).toEqual({
      name: "value",
      type: { kind: "int", scalar: "int64", min: "-9223372036854775808", max: "9223372036854775807", big: true },
    });
  });

  it("imports the runtime from runtime-module", async () => {
    const { outputs } = await Tester.emit("typespec-workers", { "runtime-module": "../rt/index.js" }).compile(spec);
    expect(outputs["counter/stubs.ts"]).toContain('from "../rt/index.js"');
  });

  it("reports a bad option at its line in tspconfig.yaml", async () => {
    const dir = projectFromFixture(
      "openssl",
      ["emit:", "  - typespec-workers", "options:", "  typespec-workers:", "    int64: huge", ""].join("\n"),
    );
    const result = await tspCompile(dir, []);
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toMatch(/tspconfig\.yaml:5:\d+ - error invalid-schema/);
    expect(result.stdout + result.stderr).toContain("int64");
  });
});

describe("bad input", () => {
  it("exits non-zero with file:line:col diagnostics, no stack trace, and writes nothing", async () => {
    const dir = projectFromFixture("openssl");
    writeFileSync(
      join(dir, "main.tsp"),
      readFileSync(join(dir, "main.tsp"), "utf8").replace("numbits: int32", "numbits: decimal"),
    );
    const result = await tspCompile(dir);
    const output = result.stdout + result.stderr;
    expect(result.code).not.toBe(0);
    expect(output).toMatch(/main\.tsp:13:19 - error typespec-workers\/unsupported-type/);
    expect(output).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
    expect(existsSync(join(dir, "tsp-output"))).toBe(false);
  });
});

describe("doc comments", () => {
  it("keep inline tags such as {@link x}, which TypeSpec's parser takes for block tags", async () => {
    const { outputs } = await EmitTester.compile(`
      /** A point; see {@link Other | the other}. */
      model P { /** Uses {@link y}. */ x: int32; }
      /** The worker, see {@link P}. */
      interface linkw {
        /**
         * Does it, see {@link x}.
         * @param a The {@link a} input.
         */
        go(a: P, @doc("Explicit {") b: string): int32;
      }`);
    const stubs = outputs["linkw/stubs.ts"]!;
    expect(stubs).toContain("/** A point; see {@link Other | the other}. */\nexport interface P {");
    expect(stubs).toContain("  /** Uses {@link y}. */\n  x: number;");
    expect(stubs).toContain("/** The worker, see {@link P}. */\nexport const linkw");
    expect(stubs).toContain("  /** Does it, see {@link x}. */\n  go: {");
    expect(stubs).toContain("      /** The {@link a} input. */\n      a: pType,");
    expect(stubs).toContain("      /** Explicit { */\n      b: t.string,");
    const manifest = JSON.parse(outputs["linkw/worker.json"]!);
    expect(manifest.doc).toBe("The worker, see {@link P}.");
    expect(manifest.tasks.go.inputs[0].doc).toBe("The {@link a} input.");
  });
});

// worker.json: the format executors and non-TypeScript workers read. Every emitted file is valid
// against the shipped schema, carries its format version, and repeats nothing derivable; one
// golden file is compared byte for byte.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EmitTester, repoRoot } from "../support/tester.js";

const Ajv = createRequire(import.meta.url)("ajv") as { default: new (o: object) => { compile(s: object): ValidateFn } };
type ValidateFn = ((data: unknown) => boolean) & { errors?: unknown };
const schema = JSON.parse(readFileSync(join(repoRoot, "schema/worker.schema.json"), "utf8"));
const validate = new Ajv.default({ allErrors: true, strict: false }).compile(schema);

function specOf(fixture: string): string {
  return readFileSync(join(repoRoot, "test/fixtures/specs", fixture, "main.tsp"), "utf8")
    .replace(/^import "typespec-workers";\s*$/m, "")
    .replace(/^using Workers;\s*$/m, "");
}

describe("worker.json", () => {
  const launches = `
    /** Every way to launch, with resources and a time limit. */
    @resources(#{ cpus: 2, memory: "1G" })
    interface tools {
      @command("sort -o {value} {lines}") sorted(lines: bytes, reverse?: boolean = false): bytes;
      @stdio("wc -w") @timeout(30) words(text: string): int32;
      @script("custom.sh") custom(xs: float64[], m: Record<string>): string | null;
      plain(flag: boolean): void;
    }`;
  it.each([
    ["the openssl fixture", specOf("openssl")],
    ["a spec with every launch kind", launches],
    ["a generic operation (its parameter untyped)", "model C<T> { t: T; } interface g { z<T>(c: C<T>, x: T): T; }"],
  ])("of %s is valid against schema/worker.schema.json", async (_what, spec) => {
    const { outputs } = await EmitTester.compile(spec);
    const files = Object.keys(outputs).filter((f) => f.endsWith("/worker.json"));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const d = JSON.parse(outputs[f]!);
      expect(validate(d), `${f}: ${JSON.stringify(validate.errors)}`).toBe(true);
      expect(d.formatVersion).toBe(1);
      for (const task of Object.values(d.tasks) as Record<string, unknown>[]) {
        expect(task).not.toHaveProperty("worker");
        expect(task).not.toHaveProperty("name");
      }
    }
  });

  it("of the openssl worker is the golden file (UPDATE_FIXTURES=1 rewrites it for review)", async () => {
    const { outputs } = await EmitTester.compile(specOf("openssl"));
    const golden = join(repoRoot, "test/fixtures/specs/openssl/expected/openssl_worker/worker.json");
    const text = outputs["openssl_worker/worker.json"]!;
    if (process.env.UPDATE_FIXTURES) (await import("node:fs")).writeFileSync(golden, text);
    expect(text).toBe(readFileSync(golden, "utf8"));
  });

  it("refuses what the format does not allow (the schema can fail)", () => {
    expect(validate({ $schema: schema.$id, formatVersion: 2, name: "w", spec: "x.tsp", tasks: {} })).toBe(false);
    expect(
      validate({
        $schema: schema.$id,
        formatVersion: 1,
        name: "w",
        spec: "x.tsp",
        tasks: { t: { inputs: [], outputs: [], shape: "value", launch: { kind: "shell" } } },
      }),
    ).toBe(false);
  });
});

/**
 * TypeSpec's `null` is a name, not a keyword: a spec may declare `interface null` or `model null`,
 * and then `null` in that namespace means the declaration. The fuzzer found a worker named `null`
 * whose `int32 | null` ports failed with only "Type 'N4.null' has no faithful encoding"; these
 * specs get working stubs or a located diagnostic that says what happened and what to write.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { filesNamed, strictTypeErrors, stubsThatDoNotLoad } from "../support/generated-checks.js";
import { scratchDir, tspCompile, type CommandResult } from "../support/project.js";
import { expectDiagnosticsAt } from "../support/tester.js";

describe("a worker named null", () => {
  it("used as a port's type: a located error naming the interface and TypeSpec.null", async () => {
    const diagnostics = await expectDiagnosticsAt(
      "namespace N4 { interface `null` { f(x: ┆int32 | null): string; g(): ┆null; } }",
      "typespec-workers/unsupported-type",
    );
    for (const d of diagnostics.filter((d) => d.code === "typespec-workers/unsupported-type")) {
      expect(d.message).toContain("'N4.null'");
      expect(d.message).toContain("it is an interface, not a type of values");
      expect(d.message).toContain("write 'TypeSpec.null'");
    }
  });

  it("an interface used as a type under another name is refused as an interface", async () => {
    const [d] = await expectDiagnosticsAt("interface w { f(x: ┆w): string; }", "typespec-workers/unsupported-type");
    expect(d!.message).toContain("it is an interface, not a type of values");
  });
});

describe("a model named null", () => {
  it("is what `null` means in its namespace, with a warning at each use", async () => {
    const diagnostics = await expectDiagnosticsAt(
      "namespace N5 { model `null` { a: int32 } interface w { f(x: ┆int32 | null): ┆null; } }",
      "typespec-workers/null-shadowed",
    );
    expect(diagnostics.find((d) => d.code === "typespec-workers/null-shadowed")!.message).toContain(
      "the model 'N5.null'",
    );
    expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  });
});

describe("specs declaring null, compiled by tsp", () => {
  let result: CommandResult;
  let out: string;

  beforeAll(async () => {
    const dir = scratchDir("null-shadowed");
    const spec = [
      `import "typespec-workers";`,
      "using Workers;",
      // The worker named null writes TypeSpec's null by its full name: it compiles.
      "namespace N4 { interface `null` { f(x: int32 | TypeSpec.null): TypeSpec.null; } }",
      "namespace N5 { model `null` { a: int32 } interface w { f(x: int32 | null): string; } }",
      "",
    ].join("\n");
    writeFileSync(join(dir, "main.tsp"), spec);
    result = await tspCompile(dir);
    out = join(dir, "tsp-output/typespec-workers");
  }, 120_000);

  it("compile, warning about the model", () => {
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout + result.stderr).toContain("typespec-workers/null-shadowed");
  });

  it("give stubs that load and pass tsc --strict", async () => {
    const stubs = filesNamed(out, "stubs.ts");
    expect(stubs).toHaveLength(2);
    expect(await stubsThatDoNotLoad(stubs)).toEqual([]);
    expect(await strictTypeErrors(out)).toEqual([]);
  });

  it("encode TypeSpec.null as null, and the model null as the model", () => {
    expect(readFileSync(join(out, "null/stubs.ts"), "utf8")).toContain("t.union([t.int32, t.null])");
    expect(readFileSync(join(out, "w/stubs.ts"), "utf8")).toMatch(/t\.union\(\[t\.int32, nullType\]\)/);
  });
});

import { describe, expect, it } from "vitest";
import { expectDiagnosticsAt, Tester } from "../support/tester.js";

describe("decorator misuse", () => {
  it("@portmapping on an operation is decorator-wrong-target, not a crash", async () => {
    await expectDiagnosticsAt(`interface w { ┆@portmapping f(): int32; }`, "decorator-wrong-target");
  });

  it("@portmapping on an interface is decorator-wrong-target", async () => {
    await expectDiagnosticsAt(`┆@portmapping interface w { f(): int32; }`, "decorator-wrong-target");
  });

  it("@portmapping with an argument is an argument-count error", async () => {
    const diagnostics = await Tester.diagnose(`@portmapping("x") model M { a: int32; }`);
    expect(diagnostics.map((d) => d.code)).toContain("invalid-argument-count");
  });
});

describe("invalid-name", () => {
  it("reports an input port whose name is not a variable name, at the port", async () => {
    await expectDiagnosticsAt("interface w { f(┆`my-port`: int32): int32; }", "typespec-workers/invalid-name");
  });

  it("reports an output port of a @portmapping model", async () => {
    await expectDiagnosticsAt(
      "@portmapping model Out { ok: int32; ┆`1st`: string; } interface w { f(): Out; }",
      "typespec-workers/invalid-name",
    );
  });

  it("reports task and worker names", async () => {
    const diagnostics = await expectDiagnosticsAt(
      "interface ┆`my worker` { ┆`do-it`(): int32; }",
      "typespec-workers/invalid-name",
    );
    expect(diagnostics.map((d) => d.message).join("\n")).toMatch(/Worker name 'my worker'[\s\S]*Task name 'do-it'/);
  });

  it("accepts letters, digits and underscores", async () => {
    expect(await Tester.diagnose("interface _w2 { Task_1(in_0: int32, _x: string): int32; }")).toEqual([]);
  });
});

describe("empty-portmapping and optional-output-port", () => {
  it("reports an empty @portmapping model at the model", async () => {
    await expectDiagnosticsAt("@portmapping model ┆Nothing {}", "typespec-workers/empty-portmapping");
  });

  it("reports an optional property of a @portmapping model", async () => {
    await expectDiagnosticsAt(
      "@portmapping model Out { a: int32; ┆b?: int32; } interface w { f(): Out; }",
      "typespec-workers/optional-output-port",
    );
  });
});

describe("duplicate-worker", () => {
  it("reports the second interface with a worker's name", async () => {
    await expectDiagnosticsAt(
      "namespace A { interface w { f(): int32; } } namespace B { interface ┆w { g(): int32; } }",
      "typespec-workers/duplicate-worker",
    );
  });
});

describe("unsupported-type", () => {
  it("reports decimal where a parameter uses it", async () => {
    const [d] = await expectDiagnosticsAt(
      "interface w { f(x: ┆decimal): int32; }",
      "typespec-workers/unsupported-type",
    );
    expect(d!.message).toContain("decimal");
  });

  it("reports a date inside a nested model at the field, once for several tasks", async () => {
    await expectDiagnosticsAt(
      "model Event { at: ┆utcDateTime; } model Wrap { e: Event } interface w { f(x: Wrap): int32; g(y: Event[]): int32; }",
      "typespec-workers/unsupported-type",
    );
  });

  it("reports unknown as a result at the return type", async () => {
    await expectDiagnosticsAt("interface w { f(): ┆unknown; }", "typespec-workers/unsupported-type");
  });

  it("reports durations, tuples and recursive models", async () => {
    await expectDiagnosticsAt(
      "model Tree { kids: ┆Tree[] } interface w { f(d: ┆duration): int32; g(p: ┆[int32, string]): int32; h(t: Tree): int32; }",
      "typespec-workers/unsupported-type",
    );
  });

  it("reports a custom scalar by its standard base", async () => {
    await expectDiagnosticsAt(
      "scalar money extends decimal; interface w { f(m: ┆money): int32; }",
      "typespec-workers/unsupported-type",
    );
  });

  it("accepts every scalar with a faithful encoding", async () => {
    const scalars =
      "int8 int16 int32 int64 uint8 uint16 uint32 uint64 safeint integer float float32 float64 string url bytes boolean";
    const params = scalars
      .split(" ")
      .map((s, i) => `p${i}: ${s}`)
      .join(", ");
    expect(await Tester.diagnose(`interface w { f(${params}): null; }`)).toEqual([]);
  });
});

describe("scheduling decorators", () => {
  it("reports resources Slurm would reject, each at its field", async () => {
    await expectDiagnosticsAt(
      `interface w { @resources(#{ cpus: ┆0, memory: ┆"lots", time: ┆"soon" }) f(): int32; }`,
      "typespec-workers/invalid-resources",
    );
  });

  it("reports a module name that cannot be loaded safely, at its word, and accepts a launch", async () => {
    await expectDiagnosticsAt(
      `interface w { @resources(#{ launch: "mpirun", modules: #["openmpi/4.1", ┆"-f x"] }) f(): int32; }`,
      "typespec-workers/invalid-resources",
    );
  });

  it("reports a timeout that is not positive", async () => {
    await expectDiagnosticsAt("interface w { @timeout(┆0) f(): int32; }", "typespec-workers/invalid-timeout");
  });
});

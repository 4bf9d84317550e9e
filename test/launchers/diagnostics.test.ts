import { getSourceLocation } from "@typespec/compiler";
import { describe, expect, it } from "vitest";
import { expectDiagnosticsAt, Tester } from "../support/tester.js";

// `┆` marks where each diagnostic must point (see test/support/tester.ts).
describe("invalid-command", () => {
  it("points at a placeholder that names no port, inside the string", async () => {
    const diagnostics = await expectDiagnosticsAt(
      `interface w { @command("tool --in {input} --out ┆{result}") f(input: bytes): bytes; }`,
      "typespec-workers/invalid-command",
    );
    const message = diagnostics.find((d) => d.code === "typespec-workers/invalid-command")!.message;
    expect(message).toBe("Command template names '{result}', which is not a port of task 'f'. Ports: input, value.");
  });

  it("underlines exactly the placeholder", async () => {
    const diagnostics = await Tester.diagnose(`interface w { @command("tool {nope}") f(): bytes; }`);
    const location = getSourceLocation(diagnostics[0]!.target as never);
    expect(location.file.text.slice(location.pos, location.end)).toBe("{nope}");
  });

  it("checks every line of a multi-line command", async () => {
    await expectDiagnosticsAt(
      `interface w { @command("tool {a}", "other ┆{b}", "third ┆{c}") f(a: int32): int32; }`,
      "typespec-workers/invalid-command",
    );
  });

  it("reports a malformed template (unclosed quote) at the quote", async () => {
    const diagnostics = await expectDiagnosticsAt(
      `interface w { @command("tool ┆'unclosed {a}") f(a: int32): int32; }`,
      "typespec-workers/invalid-command",
    );
    expect(diagnostics[0]!.message).toMatch(/^Invalid command template: quote ' at offset 5 is not closed/);
  });

  it("reports a stray '}' and an empty placeholder", async () => {
    await expectDiagnosticsAt(
      `interface w { @command("tool ┆} x") f(): int32; @command("tool ┆{}") g(): int32; }`,
      "typespec-workers/invalid-command",
    );
  });

  it("falls back to the whole argument when the string has escapes", async () => {
    await expectDiagnosticsAt(
      `interface w { @command(┆"tool\\t{nope}") f(): int32; }`,
      "typespec-workers/invalid-command",
    );
  });

  it("reports a placeholder naming both an input and an output", async () => {
    const diagnostics = await expectDiagnosticsAt(
      `@portmapping model Out { x: bytes; } interface w { @command("tool ┆{x}") f(x: bytes): Out; }`,
      "typespec-workers/invalid-command",
    );
    expect(diagnostics[0]!.message).toMatch(/ambiguous/);
  });

  it("checks the command line of @stdio too", async () => {
    await expectDiagnosticsAt(
      `interface w { @stdio("sort ┆{nope}") f(a: bytes): bytes; }`,
      "typespec-workers/invalid-command",
    );
  });

  it("accepts ports, quotes, literal braces and output placeholders", async () => {
    const diagnostics = await Tester.diagnose(
      `@portmapping model Out { a: bytes; b: bytes; }
       interface w { @command("tool '{x} y' {{literal}} -o={a}", "cp {a} {b}") f(x: string): Out; }`,
    );
    expect(diagnostics).toEqual([]);
  });
});

describe("stdio-arity", () => {
  it("reports a @stdio task with two inputs, at the decorator", async () => {
    const diagnostics = await expectDiagnosticsAt(
      `interface w { ┆@stdio("cat") f(a: string, b: string): string; }`,
      "typespec-workers/stdio-arity",
    );
    expect(diagnostics[0]!.message).toContain("it has 2 inputs and 1 outputs");
  });

  it("reports a @stdio task with no input, and one with two outputs", async () => {
    await expectDiagnosticsAt(
      `@portmapping model Two { a: bytes; b: bytes; }
       interface w { ┆@stdio f(): string; ┆@stdio g(x: bytes): Two; }`,
      "typespec-workers/stdio-arity",
    );
  });
});

describe("conflicting-launch", () => {
  it("reports the second launch decorator of a task, at that decorator", async () => {
    await expectDiagnosticsAt(
      `interface w { @command("true") ┆@script("x.sh") f(): int32; }`,
      "typespec-workers/conflicting-launch",
    );
  });

  it("reports each extra one", async () => {
    await expectDiagnosticsAt(
      `interface w { @stdio("cat") ┆@command("true") ┆@script("x.sh") f(a: bytes): bytes; }`,
      "typespec-workers/conflicting-launch",
    );
  });
});

describe("invalid-name (port names that cannot be variables)", () => {
  it("is reported at the port", async () => {
    await expectDiagnosticsAt(
      'interface w { @command("tool") f(┆`in-file`: bytes): bytes; }',
      "typespec-workers/invalid-name",
    );
  });
});

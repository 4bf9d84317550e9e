import { describe, expect, it } from "vitest";
import { expectDiagnosticsAt, Tester } from "../support/tester.js";

/** Specs that once crashed the compiler in this library's code, or compiled with no word of a problem. */
describe("no crash: a located diagnostic instead", () => {
  it("a recursive union (stack overflow in validation)", async () => {
    await expectDiagnosticsAt(
      "union U { a: U, b: int32 } interface w { f(x: ┆U): int32; }",
      "typespec-workers/unsupported-type",
    );
  });

  it("a union recursive through a list", async () => {
    await expectDiagnosticsAt(
      "union J { n: int32, l: J[] } interface w { f(): ┆J; }",
      "typespec-workers/unsupported-type",
    );
  });

  it("a worker name of 300 characters (ENAMETOOLONG when emitting)", async () => {
    const name = "w".repeat(300);
    const [d] = await expectDiagnosticsAt(`interface ┆${name} { f(): int32; }`, "typespec-workers/name-too-long");
    expect(d!.message).toContain("300 characters");
  });

  it("task and port names of 200 characters", async () => {
    await expectDiagnosticsAt(
      `interface w { ┆${"t".repeat(200)}(┆${"p".repeat(200)}: int32): int32; }`,
      "typespec-workers/name-too-long",
    );
  });

  it("an int32 nested in 2,000 lists (stack overflow in the printer)", async () => {
    await expectDiagnosticsAt(
      `interface w { f(x: ┆int32${"[]".repeat(2000)}): int32; }`,
      "typespec-workers/type-too-deep",
    );
  });

  it("accepts 60 levels of nesting", async () => {
    expect(await Tester.diagnose(`interface w { f(x: int32${"[]".repeat(60)}): int32; }`)).toEqual([]);
  });
});

describe("misuse that compiled without a word", () => {
  it("@command() with no lines", async () => {
    const [d] = await expectDiagnosticsAt(
      "interface w { ┆@command() f(): int32; }",
      "typespec-workers/invalid-command",
    );
    expect(d!.message).toContain("at least one command line");
  });

  it("the same launch decorator twice", async () => {
    await expectDiagnosticsAt(
      `interface w { @command("a") ┆@command("b") f(): int32; }`,
      "typespec-workers/duplicate-decorator",
    );
    await expectDiagnosticsAt(
      `interface w { @stdio("a") ┆@stdio("b") f(x: bytes): bytes; }`,
      "typespec-workers/duplicate-decorator",
    );
  });

  it("@timeout or @resources twice, on a task or a worker", async () => {
    await expectDiagnosticsAt(
      "interface w { @timeout(1) ┆@timeout(2) f(): int32; }",
      "typespec-workers/duplicate-decorator",
    );
    await expectDiagnosticsAt(
      "@timeout(1) ┆@timeout(2) interface w { f(): int32; }",
      "typespec-workers/duplicate-decorator",
    );
    await expectDiagnosticsAt(
      `interface w { @resources(#{ cpus: 1 }) ┆@resources(#{ cpus: 2 }) f(): int32; }`,
      "typespec-workers/duplicate-decorator",
    );
  });

  it("an enum without members, and a union without variants", async () => {
    await expectDiagnosticsAt(
      "enum E {} union U {} interface w { f(e: ┆E): ┆U; }",
      "typespec-workers/unsupported-type",
    );
  });

  it("two workers whose folders differ only in case", async () => {
    await expectDiagnosticsAt(
      "interface Stats { f(): int32; } interface ┆stats { g(): int32; }",
      "typespec-workers/worker-case-clash",
    );
  });

  it("a task named as its worker", async () => {
    await expectDiagnosticsAt("interface f { ┆f(): int32; }", "typespec-workers/name-clash");
  });
});

describe("resources the Slurm executor would refuse", () => {
  it("are reported at the field, with the executor's own rules", async () => {
    const diagnostics = await expectDiagnosticsAt(
      `interface w { @resources(#{ partition: ┆"two words", account: ┆"a\\"b", sbatch: #["--qos=debug", ┆"nodash"] }) f(): int32; }`,
      "typespec-workers/invalid-resources",
    );
    expect(diagnostics.map((d) => d.message).join("\n")).toContain(
      `sbatch argument "nodash" must be one option word starting with '-'`,
    );
  });
});

describe("shell operators in a command line", () => {
  it("warn at the operator and show the bash -c idiom with the ports as arguments", async () => {
    const [d] = await expectDiagnosticsAt(
      `interface w { @command("sort -u {lines} ┆> {value}") f(lines: bytes): bytes; }`,
      "typespec-workers/shell-operator",
    );
    expect(d!.severity).toBe("warning");
    expect(d!.message).toContain(`@command("bash -c 'sort -u \\"$1\\" > \\"$2\\"' _ {lines} {value}")`);
  });

  it("warn for pipes, sequences and attached redirections, once per line", async () => {
    await expectDiagnosticsAt(
      `interface w { @command("a ┆| b", "c ┆&& d ; e", "f ┆>{value}", "g ┆2>/dev/null") f(): bytes; }`,
      "typespec-workers/shell-operator",
    );
    await expectDiagnosticsAt(
      `interface w { @stdio("sort ┆| uniq") f(x: bytes): bytes; }`,
      "typespec-workers/shell-operator",
    );
  });

  it("do not warn for quoted operators or operators inside a word", async () => {
    const diagnostics = await Tester.diagnose(
      `interface w { @command("grep '|' {x}", "test a=>b", "echo \\">\\"") f(x: bytes): int32; }`,
    );
    expect(diagnostics.map((d) => d.code)).toEqual([]);
  });
});

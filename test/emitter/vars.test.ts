// Template variables (@vars) with the real compiler: what a spec may declare, how command lines
// name them (`{var.<name>}`), each mistake a diagnostic at its place, and what worker.json and
// main.sh carry.
import { getSourceLocation } from "@typespec/compiler";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EmitTester, expectDiagnosticsAt, repoRoot, Tester } from "../support/tester.js";

const SIM = `
  model SimVars {
    /** OpenMP threads. */
    threads: int32 = 4;
    precision: string = "double";
    tolerance: float64 = 0.5;
    verbose: boolean = false;
    licence: string;
  }
  @vars(SimVars)
  interface sim {
    @command("sim --threads {var.threads} --precision={var.precision} {mesh} -o {value}")
    run(mesh: bytes): bytes;
    @stdio("grep -c {var.precision}") count(text: string): int32;
  }`;

describe("@vars: declaring template variables", () => {
  it("accepts string, integer, float and boolean variables, with or without defaults", async () => {
    expect(await Tester.diagnose(SIM)).toEqual([]);
  });

  it("the example of docs/worker-pool.md compiles without diagnostics", async () => {
    const doc = readFileSync(join(repoRoot, "docs/worker-pool.md"), "utf8");
    const example = /## Template variables[\s\S]*?```typespec\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(example).toContain("@vars(SimVars)");
    expect(await Tester.diagnose(example!)).toEqual([]);
  });

  it("accepts an inline model", async () => {
    const source = `@vars({ n: int64 = 2 }) interface w { @command("t {var.n} {value}") f(): bytes; }`;
    expect(await Tester.diagnose(source)).toEqual([]);
  });

  it("refuses a type that is not one word of a command line, at the type", async () => {
    const diagnostics = await expectDiagnosticsAt(
      `@vars({ ok: int32 = 1, list: ┆string[], blob: ┆bytes }) interface w { f(): void; }`,
      "typespec-workers/invalid-var",
    );
    expect(diagnostics.map((d) => d.message)).toContain(
      "Template variable 'list' has type 'string[]': a variable is a string, an integer, a float or a boolean (its value is one word of a command line).",
    );
  });

  it("refuses an optional variable without a default, at the property", async () => {
    const diagnostics = await expectDiagnosticsAt(
      `@vars({ ┆maybe?: string }) interface w { f(): void; }`,
      "typespec-workers/invalid-var",
    );
    expect(diagnostics[0]!.message).toMatch(/'maybe' is optional: a variable always has a value/);
  });

  it("refuses a variable whose name cannot be an environment variable name", async () => {
    await expectDiagnosticsAt(
      "@vars({ ┆`n-threads`: int32 = 1 }) interface w { f(): void; }",
      "typespec-workers/invalid-name",
    );
  });

  it("reports a second @vars on one worker", async () => {
    await expectDiagnosticsAt(
      `@vars({ a: int32 = 1 }) ┆@vars({ b: int32 = 1 }) interface w { f(): void; }`,
      "typespec-workers/duplicate-decorator",
    );
  });

  it("only applies to interfaces", async () => {
    await expectDiagnosticsAt(`interface w { ┆@vars({ a: int32 = 1 }) f(): void; }`, "decorator-wrong-target");
  });
});

describe("{var.<name>} in command lines", () => {
  it("reports an unknown variable at the placeholder, with the closest name and the declared ones", async () => {
    const diagnostics = await expectDiagnosticsAt(
      `@vars({ threads: int32 = 4, mode: string = "a" })
       interface w { @command("t -n ┆{var.thread} {value}") f(): bytes; }`,
      "typespec-workers/invalid-command",
    );
    expect(diagnostics[0]!.message).toBe(
      "Command template names '{var.thread}', which is not a template variable of worker 'w' (did you mean 'threads'?). Variables (@vars): threads, mode.",
    );
  });

  it("reports a variable on a worker without @vars, in a @stdio line too", async () => {
    const diagnostics = await expectDiagnosticsAt(
      `interface w { @stdio("sort -k ┆{var.key}") f(text: string): string; }`,
      "typespec-workers/invalid-command",
    );
    expect(diagnostics[0]!.message).toMatch(/not a template variable of worker 'w'\. Variables \(@vars\): none\./);
  });

  it("underlines exactly the placeholder", async () => {
    const diagnostics = await Tester.diagnose(
      `@vars({ a: int32 = 1 }) interface w { @command("tool {var.b}") f(): bytes; }`,
    );
    const location = getSourceLocation(diagnostics[0]!.target as never);
    expect(location.file.text.slice(location.pos, location.end)).toBe("{var.b}");
  });

  it("tells a variable written as a port to write {var.<name>}", async () => {
    const diagnostics = await expectDiagnosticsAt(
      `@vars({ threads: int32 = 4 }) interface w { @command("t -n ┆{threads} {value}") f(): bytes; }`,
      "typespec-workers/invalid-command",
    );
    expect(diagnostics[0]!.message).toBe(
      "Command template names '{threads}', which is not a port of task 'f' but a template variable of its worker: write '{var.threads}'.",
    );
  });

  it("gives the closest port name for an unknown port", async () => {
    const diagnostics = await expectDiagnosticsAt(
      `interface w { @command("t ┆{inptu} {value}") f(input: bytes): bytes; }`,
      "typespec-workers/invalid-command",
    );
    expect(diagnostics[0]!.message).toBe(
      "Command template names '{inptu}', which is not a port of task 'f' (did you mean 'input'?). Ports: input, value.",
    );
  });

  it("keeps a port and a variable of one name apart: {x} is the port, {var.x} the variable", async () => {
    const source = `@vars({ mode: string = "fast" }) interface w { @command("t {mode} {var.mode} {value}") f(mode: string): bytes; }`;
    expect(await Tester.diagnose(source)).toEqual([]);
  });

  it("refuses a malformed placeholder", async () => {
    const diagnostics = await Tester.diagnose(
      `@vars({ a: int32 = 1 }) interface w { @command("t {var.} {value}") f(): bytes; }`,
    );
    expect(diagnostics.map((d) => d.message)).toEqual([
      "Invalid command template: '{var.}' is not a placeholder: write a port name or 'var.' and a variable name between braces (or '{{' for a literal brace)",
    ]);
  });

  it("passes variables as arguments of the shell-operator suggestion", async () => {
    const diagnostics = await Tester.diagnose(
      `@vars({ n: int32 = 1 }) interface w { @command("head -n {var.n} {input} > {value}") f(input: bytes): bytes; }`,
    );
    expect(diagnostics.map((d) => d.message).join("\n")).toContain(
      `@command("bash -c 'head -n \\"$1\\" \\"$2\\" > \\"$3\\"' _ {var.n} {input} {value}")`,
    );
  });
});

describe("emitted", () => {
  const Ajv = createRequire(import.meta.url)("ajv") as {
    default: new (o: object) => { compile(s: object): ((d: unknown) => boolean) & { errors?: unknown } };
  };
  const schema = JSON.parse(readFileSync(join(repoRoot, "schema/worker.schema.json"), "utf8"));
  const validate = new Ajv.default({ allErrors: true, strict: false }).compile(schema);

  it("worker.json lists the variables with types, defaults and docs, valid against the schema", async () => {
    const { outputs } = await EmitTester.compile(SIM);
    const descriptor = JSON.parse(outputs["sim/worker.json"]!);
    expect(validate(descriptor), JSON.stringify(validate.errors)).toBe(true);
    expect(descriptor.formatVersion).toBe(1);
    expect(descriptor.vars).toEqual([
      {
        name: "threads",
        type: { kind: "int", scalar: "int32", min: "-2147483648", max: "2147483647", big: false },
        default: 4,
        doc: "OpenMP threads.",
      },
      { name: "precision", type: { kind: "string", scalar: "string" }, default: "double" },
      { name: "tolerance", type: { kind: "float", scalar: "float64" }, default: 0.5 },
      { name: "verbose", type: { kind: "bool" }, default: false },
      { name: "licence", type: { kind: "string", scalar: "string" } },
    ]);
  });

  it("worker.json of a worker without @vars has no vars field", async () => {
    const { outputs } = await EmitTester.compile(`interface w { f(): void; }`);
    expect(JSON.parse(outputs["w/worker.json"]!)).not.toHaveProperty("vars");
  });

  it("the schema refuses a variable of a type no variable has", () => {
    const base = { $schema: schema.$id, formatVersion: 1, name: "w", spec: "x.tsp", tasks: {} };
    expect(validate({ ...base, vars: [{ name: "v", type: { kind: "string", scalar: "string" } }] })).toBe(true);
    expect(validate({ ...base, vars: [{ name: "v", type: { kind: "bytes" } }] })).toBe(false);
  });

  it("main.sh says which variables it reads, and holds them as data in its table", async () => {
    const { outputs } = await EmitTester.compile(SIM);
    const launcher = outputs["sim/main.sh"]!;
    expect(launcher).toContain("#   var_threads: int, default 4. OpenMP threads.");
    expect(launcher).toContain("#   var_licence: string, no default: the run sets it");
    expect(launcher).toContain(
      "@vars var threads int default 4 var precision string default double var tolerance float default 0.5 var verbose bool default false var licence string required\n",
    );
    expect(launcher).toContain("run - - - 7 sim --threads {var.threads} --precision={var.precision} {mesh} -o {value}");
  });
});

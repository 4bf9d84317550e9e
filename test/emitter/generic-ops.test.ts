/**
 * Generic operations (`z<T>(c: C<T>): C<T>` in upstream's IDL test file): typed TypeScript stubs in
 * which the operation's parameter is `unknown` and its values travel untyped (`t.any`), checked
 * with the real compiler, `tsc --strict`, and a run of the task through the graph runtime.
 */
import { copyFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { graph, run } from "../../src/graph/index.js";
import { defineWorker, type AnyWorkerStub, type Task } from "../../src/runtime/index.js";
import { strictTypeErrors, stubsThatDoNotLoad } from "../support/generated-checks.js";
import { bin, run as runCommand, scratchDir } from "../support/project.js";
import { repoRoot } from "../support/tester.js";

const spec = join(repoRoot, "test/fixtures/tierkreis/stubs/idl-namespace1/schema.tsp");
let dir: string;
let stubs: string;

beforeAll(async () => {
  dir = scratchDir("generic-ops");
  copyFileSync(spec, join(dir, "schema.tsp"));
  const cli = join(repoRoot, "dist/src/cli/main.js");
  const result = await runCommand(join(bin, "node"), [cli, "compile", "schema.tsp", "-o", "workers"], dir);
  expect(result.code, result.stdout + result.stderr).toBe(0);
  stubs = join(dir, "workers/TestNamespace/stubs.ts");
}, 120_000);

describe("a generic operation", () => {
  it("gets a task whose template parameter is `unknown` in TypeScript and untyped on the wire", () => {
    const text = readFileSync(stubs, "utf8");
    expect(text).toContain("export interface C {\n  a: bigint[];\n  b: B;\n  t: unknown;");
    expect(text).toContain('  t.field("t", t.any),');
    expect(text).toContain("  z: {\n    inputs: { c: cType },\n    output: cType,\n  },");
  });

  it("keeps upstream's Python stubs beside them", () => {
    const golden = join(repoRoot, "test/fixtures/tierkreis/stubs/idl-namespace1/stubs.py");
    expect(readFileSync(join(dir, "workers/TestNamespace/stubs.py"), "utf8")).toBe(readFileSync(golden, "utf8"));
  });

  it("gives stubs that load in node and pass tsc --strict", async () => {
    expect(await stubsThatDoNotLoad([stubs])).toEqual([]);
    expect(await strictTypeErrors(join(dir, "workers"))).toEqual([]);
  });

  it("runs through the runtime: any value in the parameter's place comes back as it went", async () => {
    const { testNamespace } = (await import(stubs)) as { testNamespace: AnyWorkerStub };
    const z = testNamespace.tasks.z!.signature;
    const impl = defineWorker(testNamespace, {
      foo: () => ({ name: {}, age: 0 }),
      bar: () => ({ name: {}, age: 0 }),
      z: ({ c }: { c: unknown }) => c,
    } as never);
    const g = graph({ inputs: { c: z.inputs[0]!.type }, output: z.outputs[0]!.type });
    const zTask = testNamespace.tasks.z as unknown as Task<{ c: unknown }, unknown, "value">;
    g.output(g.task(zTask({ c: g.inputs.c })));
    const c = {
      a: [1n, 2n ** 70n],
      b: { name: { k: "v" }, age: 7 },
      t: { list: [1, "two", null, 2.5], nested: { ok: true }, big: 2n ** 64n },
      included: { nested: { city: "Cambridge" } },
      ol: [{ i: 1 }, { i: 255 }],
    };
    const result = await run(g, { c }, { root: scratchDir("generic-ops-run"), executors: { TestNamespace: impl } });
    expect(result.value).toEqual(c);
  });
});

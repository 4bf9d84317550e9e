import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { filesNamed, strictTypeErrors, stubsThatDoNotLoad } from "../support/generated-checks.js";
import { scratchDir, tspCompile } from "../support/project.js";
import { expectDiagnosticsAt } from "../support/tester.js";

/**
 * Names TypeSpec accepts that the stubs file itself uses or that TypeScript cannot declare: each
 * worker below once gave stubs that failed to load (`Identifier 't' has already been declared`).
 */
const spec = `
import "typespec-workers";
using Workers;

// Global names that are also TypeSpec's: the library's own declarations must not become ambiguous.
enum \`string\` { x, \`__proto__\`, \`y z\` }

namespace M {
  model \`import\` { a: int32 }
  model \`default\` { b: TypeSpec.string }
  model \`undefined\` { c: boolean }
  model t { d: int32 }
  model Task { e: int32 }
  model Record { f: int32 }
  model Array { g: int32 }
  model Uint8Array { h: int32 }
  model \`a model\` { i: int32 }
  model \`1st\` { j: int32 }
  model \`$t\` { k: int32 }
  model \`café\` { l: int32 }
  union \`number\` { a: int32, b: TypeSpec.string }
  model Pair<\`string\`> { first: \`string\`; second: \`string\`; items: \`string\`[]; byName: TypeSpec.Record<\`string\`> }
}

interface t_worker { t(a: M.t): M.\`import\`; }
interface task_worker { task(a: M.\`default\`): M.Task; }
interface worker_worker { worker(a: M.\`undefined\`): M.Record; }
interface names_worker { workerName(a: M.Array): M.Uint8Array; Task(x: M.\`a model\`): M.\`1st\`; Handler(x: M.\`$t\`): M.\`café\`; }
interface reserved_worker { \`class\`(s: global.\`string\`): M.\`number\`; \`default\`(p: M.Pair<int32>): int32; \`let\`(): bytes; class_(): int32; }
interface t { \`import\`(workerName: int32, t: int32): int32; }
interface \`default\` { Handler(): M.t; }
interface workerName { tHandlers(): M.Task; }
interface then_worker { then(x: int32): int32; }
`;

let dir: string;
let out: string;

beforeAll(async () => {
  dir = scratchDir("names");
  writeFileSync(join(dir, "main.tsp"), spec);
  const result = await tspCompile(dir);
  expect(result.code, result.stdout + result.stderr).toBe(0);
  out = join(dir, "tsp-output/typespec-workers");
}, 120_000);

describe("names the stubs file uses itself, or TypeScript reserves", () => {
  it("give stubs that load in node", async () => {
    const stubs = filesNamed(out, "stubs.ts");
    expect(stubs).toHaveLength(9);
    expect(await stubsThatDoNotLoad(stubs)).toEqual([]);
  });

  it("give stubs that pass tsc --strict", async () => {
    expect(await strictTypeErrors(out)).toEqual([]);
  });

  it("give every task its own name, under the worker's camelCase const", async () => {
    type Stub = { name: string; tasks: Record<string, { signature: { worker: string; name: string } }> };
    const load = (worker: string) => import(join(out, worker, "stubs.ts")) as Promise<Record<string, Stub>>;
    const task = (stub: Stub | undefined, name: string) => stub!.tasks[name]!.signature;
    const reserved = (await load("reserved_worker")).reservedWorker;
    expect(Object.keys(reserved!.tasks)).toEqual(["class", "default", "let", "class_"]);
    expect(task(reserved, "class")).toMatchObject({ worker: "reserved_worker", name: "class" });
    expect(task(reserved, "default").name).toBe("default");
    expect(task(reserved, "class_").name).toBe("class_");
    expect((await load("t")).t!.name).toBe("t");
    expect(task((await load("t")).t, "import").name).toBe("import");
    // A worker whose camelCase name cannot be a const gets `Worker` added, and exports nothing else.
    const dflt = await load("default");
    expect(Object.keys(dflt)).toEqual(["defaultWorker"]);
    expect(dflt.defaultWorker!.name).toBe("default");
    // A module exporting a function `then` is thenable: `await import()` of it would never finish.
    const thenable = await load("then_worker");
    expect(Object.keys(thenable)).toEqual(["thenWorker"]);
    expect(task(thenable.thenWorker, "then").name).toBe("then");
    const names = (await load("names_worker")).namesWorker;
    expect(task(names, "workerName").name).toBe("workerName");
    expect(task(names, "Task").name).toBe("Task");
    expect(task(names, "Handler").name).toBe("Handler");
    expect((await load("workerName")).workerName!.name).toBe("workerName");
  });
});

describe("a template's own lists and records", () => {
  it("are written with its parameter, not as a model named Array", () => {
    const stubs = readFileSync(join(out, "reserved_worker/stubs.ts"), "utf8");
    expect(stubs).toMatch(/second: string_;/);
    expect(stubs).toMatch(/items: string_\[\];/);
    expect(stubs).toMatch(/byName: Record<string, string_>;/);
  });
});

describe("name-clash", () => {
  it("reports a task that has its worker's name, at the task", async () => {
    await expectDiagnosticsAt("interface f { ┆f(): int32; }", "typespec-workers/name-clash");
  });
});

// `auto` with what the emitter writes (issue #10, point 5): a worker implemented in TypeScript
// gets no launcher, so `auto` runs its `main.ts`; a worker with a launcher runs through it; a task
// that has no way to run stops the run before anything is written, naming the task and what was
// looked for. The real compiler writes the workers, real bash and node run them.
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { graph, routeExecutors, run, RunError, shellExecutor } from "../../src/graph/index.js";
import { t, task } from "../../src/runtime/index.js";
import { scratchDir, tspCompile } from "../support/project.js";
import { repoRoot } from "../support/tester.js";
import { tempDir } from "./support.js";

const SPEC = `import "typespec-workers";
using Workers;

/** Implemented in TypeScript (main.ts): no launch decorators. */
interface calc {
  double(n: int32): int32;
}

/** Command-line tools. */
interface tools {
  @stdio("wc -w")
  words(text: string): int32;

  /** No decorator, in a worker with a launcher: runs shout.sh. */
  shout(text: string): string;
}
`;

// The worker's code, as a user writes it beside the generated files (Node strips the types).
const CALC_MAIN = `import { defineWorker, runIfMain } from "${repoRoot}/dist/src/runtime/sdk.js";
import { t, worker } from "${repoRoot}/dist/src/runtime/index.js";

const calc = worker("calc", { double: { inputs: { n: t.int32 }, output: t.int32 } });
const impl = defineWorker(calc, { double: ({ n }: { n: number }) => n * 2 });
await runIfMain(import.meta.url, impl);
`;

const words = task<{ text: string }, number, "value">({
  worker: "tools",
  name: "words",
  inputs: [{ name: "text", type: t.string }],
  outputs: [{ name: "value", type: t.int32 }],
  shape: "value",
});
const shout = task<{ text: string }, string, "value">({
  worker: "tools",
  name: "shout",
  inputs: [{ name: "text", type: t.string }],
  outputs: [{ name: "value", type: t.string }],
  shape: "value",
});
const double = task<{ n: number }, number, "value">({
  worker: "calc",
  name: "double",
  inputs: [{ name: "n", type: t.int32 }],
  outputs: [{ name: "value", type: t.int32 }],
  shape: "value",
});

function doubledWordCount() {
  const g = graph({ inputs: { text: t.string }, output: t.int32 });
  g.output(g.task(double({ n: g.task(words({ text: g.inputs.text })) })));
  return g;
}

function shouted() {
  const g = graph({ inputs: { text: t.string }, output: t.string });
  g.output(g.task(shout({ text: g.inputs.text })));
  return g;
}

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(RunError);
    return (e as Error).message;
  }
  throw new Error("the run started");
}

describe("auto with emitted workers", () => {
  let workers: string;
  beforeAll(async () => {
    const project = scratchDir("auto-executor");
    writeFileSync(join(project, "main.tsp"), SPEC);
    const compiled = await tspCompile(project);
    expect(compiled.code, compiled.stdout + compiled.stderr).toBe(0);
    workers = join(project, "tsp-output/typespec-workers");
  }, 120_000);

  it("writes a launcher for tools only", () => {
    expect(existsSync(join(workers, "tools/main.sh"))).toBe(true);
    expect(existsSync(join(workers, "calc/main.sh"))).toBe(false);
    expect(existsSync(join(workers, "calc/worker.json"))).toBe(true);
  });

  it("refuses a TypeScript worker without its code before anything is written, naming the task and the files looked for", async () => {
    const root = tempDir();
    const message = await refusal(run(doubledWordCount(), { text: "a b c" }, { root, workflowId: "w", workers }));
    expect(message).toMatch(/^nothing ran:\n {2}task calc\.double cannot run: worker 'calc' not found: /);
    for (const looked of ["calc/main.sh", "calc/main.ts", "calc/main.py"])
      expect(message).toContain(join(workers, looked));
    expect(message).not.toContain("tools.words");
    expect(existsSync(join(root, "w"))).toBe(false);
  });

  it("asks a routed executor the same, and refuses a worker the route has no executor for", async () => {
    const root = tempDir();
    const executor = routeExecutors({ tools: shellExecutor({ workers }) });
    const message = await refusal(run(doubledWordCount(), { text: "a" }, { root, workflowId: "w", executor }));
    expect(message).toBe(
      "nothing ran:\n  task calc.double cannot run: no executor for worker 'calc' (configured: tools, no default)",
    );
    expect(existsSync(join(root, "w"))).toBe(false);
  });

  it("runs the TypeScript worker from its main.ts and the tool through main.sh, in one graph", async () => {
    writeFileSync(join(workers, "calc/main.ts"), CALC_MAIN);
    const result = await run(doubledWordCount(), { text: "one two three" }, { root: tempDir(), workers });
    expect(result.value).toBe(6);
  }, 60_000);

  it("refuses a task whose <task>.sh is missing before anything is written, naming the script", async () => {
    const root = tempDir();
    const message = await refusal(run(shouted(), { text: "hi" }, { root, workflowId: "w", workers }));
    expect(message).toBe(
      `nothing ran:\n  task tools.shout cannot run: its script ${join(workers, "tools/shout.sh")} was not found (write it, or declare the task's command line with @command)`,
    );
    expect(existsSync(join(root, "w"))).toBe(false);

    writeFileSync(
      join(workers, "tools/shout.sh"),
      `printf %s "$input_text_value" | tr a-z A-Z >"$output_value_file"\n`,
    );
    expect((await run(shouted(), { text: "hi" }, { root: tempDir(), workers })).value).toBe("HI");
  }, 60_000);
});

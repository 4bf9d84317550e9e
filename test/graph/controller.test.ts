// The controller with in-process workers: every construct runs, values are checkpointed in the
// upstream layout, inputs are checked before anything runs.
import { existsSync, mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { availableParallelism } from "node:os";
import {
  inProcessExecutor,
  GraphInputError,
  IN_PROCESS_CONCURRENCY,
  graph,
  loadGraph,
  readResults,
  run,
  runStatus,
  type RunEvent,
} from "../../src/graph/index.js";
import { t } from "../../src/runtime/index.js";
import { defineWorker } from "../../src/runtime/sdk.js";
import { mathImpl } from "./fixtures/math-impl.js";
import { main as mainGraph } from "./fixtures/typed-graph.js";
import { add, mathWorker } from "./fixtures/stubs.js";

const root = () => mkdtempSync(join(tmpdir(), "tw-graph-"));

describe("controller (in-process workers)", () => {
  it("runs map, eval, loop and ifElse and checkpoints every value", async () => {
    const dir = root();
    const events: RunEvent[] = [];
    const result = await run(
      mainGraph,
      { xs: [1, 2, 3], flag: false },
      {
        root: dir,
        workflowId: "wf",
        executors: { default: mathImpl },
        onEvent: (e) => events.push(e),
      },
    );
    // double(x) = x + x; incr(x, 10) = x + 10; eval double(21) = 42; loop counts 0 → 5; flag false → counted.
    expect(result.value).toEqual({ doubled: [2, 4, 6], stepped: [11, 12, 13], nested: 42, counted: 5, chosen: 5 });
    const wf = join(dir, "wf");
    expect(readFileSync(join(wf, "-", "outputs", "doubled"), "utf8")).toBe("[2, 4, 6]");
    expect(readFileSync(join(wf, ".N-1", "outputs", "xs"), "utf8")).toBe("[1, 2, 3]");
    expect(readFileSync(join(wf, ".N-1", "outputs", "body"), "utf8")).toBe(mainGraph.serialize());
    expect(JSON.parse(readFileSync(join(wf, "_metadata"), "utf8"))).toHaveProperty("start_time");
    const locs = readdirSync(wf);
    // Tasks and constants inside map elements and loop iterations have their own flat folders;
    // graph inputs and outputs have none (refs resolve to the producer's file).
    expect(locs).toEqual(expect.arrayContaining(["-.N4.M0.N1", "-.N4.M2.N1", "-.N17.L4.N3", "-.N17.L0.N2"]));
    expect(locs.some((l) => l.includes(".L5"))).toBe(false);
    expect(locs.some((l) => l.includes("N-1") && l !== ".N-1")).toBe(false);
    expect(readFileSync(join(wf, "-.N4", "outputs", "y-2"), "utf8")).toBe("6");
    // A task's call args point at its producer's output file.
    const def = JSON.parse(readFileSync(join(wf, "-.N4.M1.N1", "definition"), "utf8"));
    expect(def).toEqual({
      function_name: "add",
      inputs: { a: "wf/-.N2/outputs/1", b: "wf/-.N2/outputs/1" },
      outputs: { value: "wf/-.N4.M1.N1/outputs/value" },
      output_dir: "wf/-.N4.M1.N1/outputs",
      done_path: "wf/-.N4.M1.N1/_done",
      error_path: "wf/-.N4.M1.N1/_error",
      logs_path: "wf/logs",
    });
    expect(existsSync(join(wf, "-.N4.M1.N1", "_done"))).toBe(true);
    // Every started task finished.
    const started = events.filter((e) => e.type === "task-started").length;
    expect(events.filter((e) => e.type === "task-done").length).toBe(started);
    expect(await readResults(wf)).toEqual(result.value);
    const status = await runStatus(wf);
    expect(status.state).toBe("finished");
    expect(status.tasks).toEqual({ done: started, failed: 0, stopped: 0, started: 0 });
  });

  it("runs only the chosen branch of a lazy ifElse", async () => {
    const g = graph({ inputs: { flag: t.boolean }, output: t.int32 });
    const a = g.task(add({ a: g.const(1), b: g.const(1) }));
    const b = g.task(add({ a: g.const(100), b: g.const(100) }));
    g.output(g.ifElse(g.inputs.flag, a, b));
    const dir = root();
    const ran: string[] = [];
    const r = await run(
      g,
      { flag: true },
      {
        root: dir,
        workflowId: "w",
        executors: { default: mathImpl },
        onEvent: (e) => e.type === "task-started" && ran.push(e.loc),
      },
    );
    expect(r.value).toBe(2);
    expect(ran).toEqual(["-.N3"]);
  });

  it("rejects missing, unknown and ill-typed inputs before anything runs", async () => {
    const dir = root();
    const opts = { root: dir, workflowId: "bad", executors: { default: mathImpl } };
    await expect(run(mainGraph, { xs: [1, "2"], flag: false } as never, opts)).rejects.toThrow(GraphInputError);
    await expect(run(mainGraph, { xs: [1, "2"] } as never, opts)).rejects.toThrow(
      /input 'xs': at \[1\]: expected int32[\s\S]*input 'flag' is missing/,
    );
    await expect(run(mainGraph, { xs: [1], flag: true, extra: 1 } as never, opts)).rejects.toThrow(
      /unknown input 'extra'/,
    );
    expect(existsSync(join(dir, "bad"))).toBe(false);
  });

  // Bytes elements that happen to be JSON text (e.g. "123") fold as JSON, as upstream: see docs/graphs.md.
  it("passes big integers, floats and bytes through untouched", async () => {
    const g = graph({
      inputs: { big: t.uint64, f: t.float64, raw: t.bytes },
      output: { big: t.uint64, f: t.float64, raw: t.bytes, all: t.list(t.bytes) },
    });
    const id = graph({ inputs: { x: t.bytes }, output: t.bytes });
    id.output(id.inputs.x);
    const all = g.map(id, {
      x: g.each(g.const([new Uint8Array([0, 255]), new TextEncoder().encode("abc")], t.list(t.bytes))),
    });
    g.output({ big: g.inputs.big, f: g.inputs.f, raw: g.inputs.raw, all });
    const dir = root();
    const r = await run(
      g,
      { big: 18446744073709551615n, f: 2, raw: new Uint8Array([1, 2]) },
      { root: dir, workflowId: "v" },
    );
    expect(r.value.big).toBe(18446744073709551615n);
    expect(r.value.f).toBe(2);
    expect(readFileSync(join(dir, "v", "-", "outputs", "f"), "utf8")).toBe("2.0");
    expect([...r.value.raw]).toEqual([1, 2]);
    expect(r.value.all.map((b) => [...b])).toEqual([
      [0, 255],
      [97, 98, 99],
    ]);
  });
});

describe("loaded graphs and limits", () => {
  it("runs a graph loaded from its JSON, untyped or with its signature", async () => {
    const text = mainGraph.serialize();
    const untyped = loadGraph(text, undefined, [...mainGraph.tasks.values()]);
    const r = await run(untyped, { xs: [4], flag: true } as never, { root: root(), executors: { default: mathImpl } });
    expect(r.value).toEqual({ doubled: [8], stepped: [14], nested: 42, counted: 5, chosen: 42 });
    const typed = loadGraph(text, {
      inputs: { xs: t.list(t.int32), flag: t.boolean },
      output: {
        chosen: t.int32,
        doubled: t.list(t.int32),
        stepped: t.list(t.int32),
        nested: t.int32,
        counted: t.int32,
      },
    });
    await expect(run(typed, { xs: ["a"], flag: true } as never, { root: root() })).rejects.toThrow(GraphInputError);
  });

  it("fails a loop that does not stop within the iteration limit", async () => {
    const body = graph({ inputs: { i: t.int32 }, output: { i: t.int32, should_continue: t.boolean } });
    body.output({ i: body.task(add({ a: body.inputs.i, b: body.const(1) })), should_continue: body.const(true) });
    const g = graph({ inputs: {}, output: t.int32 });
    g.output(g.loop(body, { i: g.const(0) }).i);
    await expect(run(g, {}, { root: root(), executors: { default: mathImpl }, maxLoopIterations: 20 })).rejects.toThrow(
      /-\.N2: the loop did not stop after 20 iterations/,
    );
  });
});

describe("in-process concurrency", () => {
  it("runs in-process tasks IN_PROCESS_CONCURRENCY at once by default, not one per CPU", async () => {
    let active = 0;
    let most = 0;
    let target = IN_PROCESS_CONCURRENCY;
    let started = 0;
    const slowAdd = defineWorker(mathWorker, {
      add: async ({ a, b }) => {
        most = Math.max(most, ++active);
        // The first ones wait (as on file I/O) until as many tasks as allowed run; bounded, so a
        // lower limit shows as a lower `most`, not a hang.
        if (++started <= target)
          for (let i = 0; i < 200 && active < target; i++) await new Promise((r) => setTimeout(r, 10));
        active--;
        return a + b;
      },
      less: ({ a, b }) => a < b,
    });
    const body = graph({ inputs: { x: t.int32 }, output: t.int32 });
    body.output(body.task(add({ a: body.inputs.x, b: body.const(1) })));
    const g = graph({ inputs: { xs: t.list(t.int32) }, output: t.list(t.int32) });
    g.output(g.map(body, { x: g.each(g.inputs.xs) }));
    const xs = Array.from({ length: 3 * IN_PROCESS_CONCURRENCY }, (_, i) => i);
    const r = await run(g, { xs }, { root: root(), executors: { default: slowAdd } });
    expect(r.value).toEqual(xs.map((x) => x + 1));
    expect(IN_PROCESS_CONCURRENCY).toBeGreaterThan(availableParallelism());
    expect(most).toBe(IN_PROCESS_CONCURRENCY);
    // An explicit concurrency still applies to them.
    most = 0;
    started = 0;
    target = 3;
    await run(g, { xs }, { root: root(), executors: { default: slowAdd }, concurrency: 3 });
    expect(most).toBe(3);
    // The in-process executor says so itself (Executor.runsInProcess), given for every task or per worker.
    target = IN_PROCESS_CONCURRENCY;
    for (const options of [
      { executor: inProcessExecutor(slowAdd) },
      { executors: { math_worker: inProcessExecutor(slowAdd) } },
    ]) {
      most = 0;
      started = 0;
      await run(g, { xs }, { root: root(), ...options });
      expect(most).toBe(IN_PROCESS_CONCURRENCY);
    }
  });
});

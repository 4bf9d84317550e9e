/**
 * The local controller: runs a graph with the checkpoint layout of the worker contract, so every
 * value is on disk and a killed run can be resumed.
 *
 * Evaluation is demand-driven, as upstream walks graphs from the output: a node runs when its
 * output is needed, after its producers (each node at most once, memoised by location). So an
 * `ifElse` runs only the chosen branch, and independent tasks run at the same time, bounded by
 * the concurrency limit. Waiting is on promises (process exit, file writes): no polling loop.
 * The first task failure aborts the rest (their processes are stopped) and the run rejects with
 * the node's location, task, reason and stderr tail.
 *
 * The controller owns the walk and the run's failure; each node kind is evaluated in its own file
 * under `nodes/`, and every path and file of the run directory belongs to the run layout.
 */
import { randomUUID } from "node:crypto";
import { setMaxListeners } from "node:events";
import { mkdir, readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { defaultRoot } from "../runtime/storage.js";
import type { TaskSignature } from "../runtime/task.js";
import type { Graph, GraphSignature } from "./builder.js";
import { RunError, RunFileError, TaskFailedError } from "./errors.js";
import type { Executor, ExecutorMaker } from "./executor.js";
import { exists, onFile } from "./file-ops.js";
import { nodeDefText, parseGraphData, type GraphData, type ValueRef } from "./graph-data.js";
import { runConst } from "./nodes/const.js";
import { runEval } from "./nodes/eval.js";
import type { Evaluator, FileRef, Instance } from "./nodes/evaluator.js";
import { evalGraph, resolveRef } from "./nodes/graph.js";
import { runIfElse } from "./nodes/if-else.js";
import { runLoop } from "./nodes/loop.js";
import { runMap } from "./nodes/map.js";
import { evalProducers } from "./nodes/structural.js";
import { TaskRunner } from "./nodes/task.js";
import { attachProgress } from "./progress.js";
import { BODY_PORT, INPUTS_LOC, layoutOf, readSignature, requireRunDir, ROOT_LOC, RunLayout } from "./run-layout.js";
import { acquireRunLock } from "./run-lock.js";
import { checkRunOptions, resumeOptions, storedOptionsText, taskNamesOf } from "./run-options.js";
import type { RunEvent, RunOptions, RunOutcome } from "./run-types.js";
import { encodeInputs, readOutputs } from "./run-values.js";

export { IN_PROCESS_CONCURRENCY } from "./nodes/task.js";

/**
 * Run a graph to its end, with executors made by `executors` (`run` in src/graph/run.ts passes the
 * executors layer's). Rejects with `GraphInputError` before anything runs, `TaskFailedError` when a
 * task fails.
 */
export async function startRun<I, O, S extends "ports" | "value">(
  executors: ExecutorMaker,
  graph: Graph<I, O, S>,
  inputs: I,
  options: RunOptions,
): Promise<RunOutcome<O>> {
  checkRunOptions(options, taskNamesOf(graph.data));
  const encoded = encodeInputs(graph.signature, inputs as Record<string, unknown>);
  const root = resolve(options.root ?? defaultRoot());
  const workflowId = options.workflowId ?? randomUUID();
  const layout = layoutOf(options.layout ?? "default", root, workflowId);
  const executor = executorFor(executors, options);
  const controller = new Controller(graph.data, graph.signature, graph.tasks, layout, options, executor);
  return (await controller.start(graph.serialize(), encoded, graph.name)) as RunOutcome<O>;
}

/**
 * Continue a run from its directory alone (graph, inputs, types and the options it started with
 * are read from it), with executors made by `executors`. Options given here replace the stored ones.
 */
export async function resumeRun(
  executors: ExecutorMaker,
  runDir: string,
  options: Omit<RunOptions, "root" | "workflowId" | "resume">,
): Promise<RunOutcome<unknown>> {
  const dir = resolve(runDir);
  await requireRunDir(dir);
  const opts = await resumeOptions(dir, options, (s) => executors.recreate(s));
  const layout = RunLayout.of(dir, opts.layout);
  const body = await readFile(layout.body, "utf8");
  const data = parseGraphData(body);
  checkRunOptions(opts, taskNamesOf(data));
  const sig = await readSignature(dir);
  const inputs = new Map<string, Uint8Array>();
  for (const port of Object.keys(sig.signature.inputs)) inputs.set(port, await readFile(layout.input(port)));
  const executor = executorFor(executors, opts);
  const controller = new Controller(data, sig.signature, sig.tasks, layout, { ...opts, resume: true }, executor);
  return controller.start(body, inputs, sig.name);
}

/** The run's one executor: the one given for every task, else one made from the choices per worker. */
function executorFor(executors: ExecutorMaker, o: RunOptions): Executor {
  return o.executor ?? executors.choose(o.workers, o.executors);
}

class Controller implements Evaluator {
  private readonly abort = new AbortController();
  private readonly memo = new Map<string, Promise<void>>();
  private readonly runner: TaskRunner;
  private readonly listeners: ((e: RunEvent) => void)[] = [];
  fresh = true;
  failure: Error | undefined;
  private detachProgress: (() => void) | undefined;

  constructor(
    private readonly data: GraphData,
    private readonly signature: GraphSignature,
    readonly tasks: ReadonlyMap<string, TaskSignature>,
    readonly layout: RunLayout,
    readonly options: RunOptions,
    executor: Executor,
  ) {
    this.runner = new TaskRunner(this, executor);
    // Every running task listens on the run's signal: with a high concurrency (Slurm) that is
    // more than Node's default of 10 and is not a leak.
    setMaxListeners(0, this.abort.signal);
    if (options.onEvent) this.listeners.push(options.onEvent);
    if (options.progress) {
      const p = attachProgress(process.stderr);
      this.listeners.push(p.onEvent);
      this.detachProgress = p.stop;
    }
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  emit(e: RunEvent): void {
    for (const l of this.listeners) l(e);
  }

  /** Run (or resume) holding the run directory's lock, so no other controller works in it meanwhile. */
  async start(bodyText: string, inputs: Map<string, Uint8Array>, name: string): Promise<RunOutcome<unknown>> {
    const { layout } = this;
    // A resumed run may need none of its workers again: it is checked task by task as it goes.
    if (!(this.options.resume && (await exists(layout.body)))) this.checkTasksCanRun();
    await onFile("create", layout.dir, () => mkdir(layout.dir, { recursive: true }));
    const lock = await acquireRunLock(layout.dir);
    try {
      return await this.startLocked(bodyText, inputs, name);
    } finally {
      await lock.release().catch(() => undefined);
    }
  }

  /**
   * Every task of the graph has a program to run it (as far as the executor can tell before the
   * run), or the run stops before anything is written, naming each task and what was looked for.
   */
  private checkTasksCanRun(): void {
    const executor = this.runner.executor;
    const check = executor.check?.bind(executor);
    const names = check ? taskNamesOf(this.data) : undefined;
    if (!check || !names) return;
    const problems: string[] = [];
    for (const name of [...names].sort()) {
      const dot = name.indexOf(".");
      if (dot < 0 || name.slice(0, dot) === "builtins") continue;
      const why = check(name.slice(0, dot), name.slice(dot + 1));
      if (why !== undefined) problems.push(`task ${name} cannot run: ${why}`);
    }
    if (problems.length) throw new RunError(`nothing ran:\n  ${problems.join("\n  ")}`);
  }

  private async startLocked(
    bodyText: string,
    inputs: Map<string, Uint8Array>,
    name: string,
  ): Promise<RunOutcome<unknown>> {
    const { layout } = this;
    if (await exists(layout.body)) {
      if (!this.options.resume) {
        throw new RunError(
          `run directory ${layout.dir} exists; resume it (option resume / --resume) or choose another workflow id`,
        );
      }
      if ((await readFile(layout.body, "utf8")) !== bodyText) {
        throw new RunError(`run directory ${layout.dir} holds a different graph; it cannot be resumed with this one`);
      }
      for (const [port, bytes] of inputs) {
        const old = await readFile(layout.input(port)).catch(() => undefined);
        if (!old || !Buffer.from(old).equals(Buffer.from(bytes))) {
          throw new RunError(`run directory ${layout.dir} was started with a different value of input '${port}'`);
        }
      }
      this.fresh = false;
    } else {
      await layout.prepare(INPUTS_LOC);
      const runName = this.options.name ?? name;
      await Promise.all([
        layout.writeMetadata(runName),
        layout.writeSignature({ name: runName, signature: this.signature, tasks: this.tasks }),
        layout.writeOptions(storedOptionsText(this.options)),
        ...[...inputs].map(([port, bytes]) => layout.writeValue(INPUTS_LOC, port, bytes)),
      ]);
      // The body last: its presence says the run directory is complete enough to resume.
      await layout.writeBody(bodyText);
    }

    const onUserAbort = () => this.fail(new RunError("the run was stopped"));
    this.options.signal?.addEventListener("abort", onUserAbort, { once: true });
    this.emit({ type: "run-started", runDir: layout.dir, resumed: !this.fresh });
    await layout.log(`${this.fresh ? "start" : "resume"} run ${layout.workflowId}`);
    try {
      // On resume the graph is walked again even if it finished: finished tasks are checked, not
      // run, and the links of structural nodes are made again (a rerun task's values are new files).
      // A failure recorded by an earlier attempt is not this attempt's.
      if (!this.fresh) await Promise.all([layout.reset(ROOT_LOC), layout.clearRunFailure()]);
      const inputPorts = Object.keys(this.signature.inputs).length
        ? Object.keys(this.signature.inputs)
        : [...this.data.graph_inputs];
      const graphInputs = Object.fromEntries(inputPorts.map((p) => [p, [INPUTS_LOC, p] as const]));
      const body = [INPUTS_LOC, BODY_PORT] as const;
      const nodedef = rootNodeDef(inputPorts);
      const outs = await this.evalGraph({
        loc: ROOT_LOC,
        data: this.data,
        inputs: graphInputs,
        role: "root",
        body,
        nodedef,
      });
      await this.atNode(ROOT_LOC, "graph", async () => {
        await layout.prepare(ROOT_LOC);
        if (!this.fresh) await layout.removeError(ROOT_LOC);
        await Promise.all([
          ...Object.entries(outs).map(([port, [l, p]]) => layout.linkOutput(l, p, ROOT_LOC, port)),
          layout.write(ROOT_LOC, "nodedef", nodedef),
        ]);
        await layout.markDone(ROOT_LOC);
      });
    } catch (e) {
      this.fail(e as Error);
    }
    this.options.signal?.removeEventListener("abort", onUserAbort);
    if (this.failure) {
      await this.runner.settle();
      await this.recordFailure(this.failure);
      this.emit({ type: "run-finished", ok: false });
      this.detachProgress?.();
      await this.runner.executor.close?.();
      throw this.failure;
    }
    await layout.log(`finished run ${layout.workflowId}`);
    this.emit({ type: "run-finished", ok: true });
    this.detachProgress?.();
    await this.runner.executor.close?.();
    return {
      value: await readOutputs(layout.dir, this.signature),
      workflowId: layout.workflowId,
      runDir: layout.dir,
      tasksRun: this.runner.tasksRun,
      tasksCached: this.runner.tasksCached,
    };
  }

  fail(e: Error): void {
    this.failure ??= e;
    if (!this.abort.signal.aborted) this.abort.abort();
  }

  private async recordFailure(e: Error): Promise<void> {
    const where = e instanceof TaskFailedError ? e.loc : ROOT_LOC;
    const text = e instanceof TaskFailedError ? `${e.loc}\n${e.task}: ${e.reason}\n` : `${e.message}\n`;
    await this.layout.writeRunFailure(e.message, text);
    await this.layout.log(`failed at ${where}: ${e.message}`);
    if (e instanceof TaskFailedError) Object.assign(e, { runDir: this.layout.dir });
  }

  /** A file error in a node that is not a task names the node (a task's names the task). */
  private async atNode<T>(loc: string, what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof RunFileError) throw new RunError(`${what} at ${loc}: ${e.message}`);
      throw e;
    }
  }

  checkAborted(): void {
    if (this.abort.signal.aborted) throw this.failure ?? new RunError("the run was stopped");
  }

  resolve(inst: Instance, ref: ValueRef): FileRef {
    return resolveRef(inst, ref);
  }

  evalGraph(inst: Instance): Promise<Record<string, FileRef>> {
    return evalGraph(this, inst);
  }

  evalNode(inst: Instance, idx: number): Promise<void> {
    const node = inst.data.nodes[idx];
    // Inputs have nothing to run; outputs are read by `evalGraph`.
    if (node?.type === "input" || node?.type === "output") return Promise.resolve();
    const loc = `${inst.loc}.N${idx}`;
    let p = this.memo.get(loc);
    if (!p) {
      // Started from a fresh microtask: a long chain of producers must not nest one stack frame each.
      p = Promise.resolve().then(() => this.runNode(inst, idx, loc));
      // Failures are reported through `fail` by whoever awaits; avoid unhandled rejections here.
      p.catch(() => undefined);
      this.memo.set(loc, p);
    }
    return p;
  }

  private async runNode(inst: Instance, idx: number, loc: string): Promise<void> {
    const node = inst.data.nodes[idx];
    if (!node) throw new RunError(`graph at ${inst.loc} has no node ${idx}`);
    // Structural nodes are cheap and are done again on resume (see `startLocked`).
    if (node.type === "function" && (await this.runner.reuse(inst, node, loc))) return;
    this.checkAborted();
    if (node.type === "function") {
      await evalProducers(this, inst, node);
      this.checkAborted();
      return this.runner.run(inst, node, loc);
    }
    return this.atNode(loc, node.type, async () => {
      // A lazy if-else evaluates its predicate, then only the chosen branch.
      if (node.type !== "ifelse") await evalProducers(this, inst, node);
      this.checkAborted();
      switch (node.type) {
        case "const":
          return runConst(this.layout, node, loc);
        case "ifelse":
        case "eifelse":
          return runIfElse(this, inst, node, loc);
        case "eval":
          return runEval(this, inst, node, loc);
        case "loop":
          return runLoop(this, inst, node, loc);
        case "map":
          return runMap(this, inst, node, loc);
        case "input":
        case "output":
          throw new RunError(`${loc}: an ${node.type} node is not evaluated on its own`);
      }
    });
  }
}

function rootNodeDef(inputPorts: readonly string[]): string {
  return nodeDefText({
    type: "eval",
    graph: [-1, BODY_PORT],
    inputs: Object.fromEntries(inputPorts.map((p) => [p, [-1, p] as const])),
    outputs: new Set(),
  });
}

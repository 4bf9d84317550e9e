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
 */
import { randomUUID } from "node:crypto";
import { setMaxListeners } from "node:events";
import { readFileSync } from "node:fs";
import { appendFile, mkdir, readdir, readFile, rm } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join, resolve } from "node:path";
import type { CallArgs } from "../runtime-contract/call-args.js";
import { serializeCallArgs } from "../runtime-contract/call-args.js";
import { decodeUntyped, decodeValue, encodeUntyped, encodeValue } from "../runtime-contract/codec.js";
import { pythonString } from "../runtime-contract/json-text.js";
import { defaultRoot, writeFileAtomic } from "../runtime-contract/storage.js";
import type { TaskSignature } from "../runtime-contract/task.js";
import { typeName, type ValueType } from "../runtime-contract/value-type.js";
import { ANY, type Graph, type GraphSignature } from "./builder.js";
import { BUILTIN_CHECKS, BUILTINS, bytesOf } from "./builtins.js";
import { GraphInputError, RunError, RunFileError, TaskFailedError } from "./errors.js";
import type { Executor, TaskLaunch, TaskResult } from "./executor.js";
import { chooseExecutors, type ExecutorChoice } from "./executors/choose.js";
import { registryDirs } from "./executors/find-worker.js";
import { isInProcessExecutor } from "./executors/in-process.js";
import {
  graphFromTree,
  inEdges,
  nodeDefText,
  parseGraphData,
  type GraphData,
  type NodeDef,
  type ValueRef,
} from "./graph-data.js";
import { Limiter } from "./limiter.js";
import { attachProgress } from "./progress.js";
import { BODY_PORT, exists, onFile, requireRunDir, RunFiles } from "./run-files.js";
import { acquireRunLock } from "./run-lock.js";
import { checkRunOptions, OPTIONS_FILE, resumeOptions, storedOptionsText, taskNamesOf } from "./run-options.js";

/**
 * Default number of in-process tasks at once, whatever the CPU count: their cost is mostly
 * file-system latency (several small async file operations each), not CPU. On a quiet machine a
 * map was measured ~2x faster at 64 than at 2 (the CPU count there); on a CPU-starved one (load
 * 8-20 on 2 cores, a map of 2,000) lower was faster: 2 ran ~1.3x faster than 16 and up to 2x
 * faster than 64. 16 is the compromise: enough to keep libuv's 4 threads busy on file latency,
 * far from the cost seen at 64 under load. One constant: measure with bench/run.bench.mjs.
 */
export const IN_PROCESS_CONCURRENCY = 16;

/** What happens to tasks during a run (for progress displays and logs). */
export type RunEvent =
  | { readonly type: "run-started"; readonly runDir: string; readonly resumed: boolean }
  | { readonly type: "task-started"; readonly loc: string; readonly task: string }
  | { readonly type: "task-done"; readonly loc: string; readonly task: string }
  /** Finished in an earlier attempt of this run directory; not run again. */
  | { readonly type: "task-cached"; readonly loc: string; readonly task: string }
  /**
   * Marked finished in an earlier attempt, but an output is missing or does not decode as its
   * declared type: it runs again. `message`: `rerunning <task> at <loc>: output <port> <reason>`.
   */
  | {
      readonly type: "task-rerun";
      readonly loc: string;
      readonly task: string;
      readonly port: string;
      readonly reason: string;
      readonly message: string;
    }
  | { readonly type: "task-failed"; readonly loc: string; readonly task: string; readonly reason: string }
  | { readonly type: "run-finished"; readonly ok: boolean };

export interface RunOptions {
  /** Checkpoints root (`TKR_DIR`); default `$TKR_DIR` or `~/.tierkreis/checkpoints`. */
  readonly root?: string;
  /** The run's folder name under the root; default a random UUID. */
  readonly workflowId?: string;
  /** Name written to `_metadata`; default the graph's name. */
  readonly name?: string;
  /** Worker registry folders, searched in order. */
  readonly workers?: string | readonly string[];
  /** Executor per worker name, plus `default` (else "auto": launcher, then built TS worker). */
  readonly executors?: Readonly<Record<string, ExecutorChoice>>;
  /** One executor for every task (overrides `executors`). */
  readonly executor?: Executor;
  /**
   * Tasks at once. Default: the number of CPUs for tasks run as processes, and
   * `IN_PROCESS_CONCURRENCY` for tasks run in-process (their cost is file latency, not CPU).
   */
  readonly concurrency?: number;
  /** Time limit in seconds for every task, unless set more precisely below or by `@timeout`. */
  readonly timeout?: number;
  /** Time limits in seconds by `<worker>.<task>` or `<worker>`; they override `@timeout` in `worker.json`. */
  readonly timeouts?: Readonly<Record<string, number>>;
  /** Continue the run directory if it exists (finished tasks are not run again). */
  readonly resume?: boolean;
  /** A loop that has not stopped after this many iterations fails (default 10,000). */
  readonly maxLoopIterations?: number;
  readonly onEvent?: (event: RunEvent) => void;
  /** Show progress on stderr: a live display on a terminal, plain lines otherwise. */
  readonly progress?: boolean;
  /** Stop the run (its tasks are stopped; it rejects). */
  readonly signal?: AbortSignal;
}

export interface RunOutcome<O> {
  readonly value: O;
  readonly workflowId: string;
  /** `<root>/<workflowId>`: the checkpoints, readable with `readResults` and `runStatus`. */
  readonly runDir: string;
  /** Tasks run now, and tasks found finished from an earlier attempt. */
  readonly tasksRun: number;
  readonly tasksCached: number;
}

/** Run a graph to its end. Rejects with `GraphInputError` before anything runs, `TaskFailedError` when a task fails. */
export async function run<I, O, S extends "ports" | "value">(
  graph: Graph<I, O, S>,
  inputs: I,
  options: RunOptions = {},
): Promise<RunOutcome<O>> {
  checkRunOptions(options, taskNamesOf(graph.data));
  const encoded = encodeInputs(graph.signature, inputs as Record<string, unknown>);
  const root = resolve(options.root ?? defaultRoot());
  const workflowId = options.workflowId ?? randomUUID();
  const controller = new Controller(graph.data, graph.signature, graph.tasks, new RunFiles(root, workflowId), options);
  return (await controller.start(graph.serialize(), encoded, graph.name)) as RunOutcome<O>;
}

/**
 * Continue a run from its directory alone (graph, inputs, types and the options it started with
 * are read from it). Options given here replace the stored ones.
 */
export async function resume(runDir: string, options: Omit<RunOptions, "root" | "workflowId" | "resume"> = {}) {
  const dir = resolve(runDir);
  const files = new RunFiles(resolve(dir, ".."), dir.slice(resolve(dir, "..").length + 1));
  await requireRunDir(dir);
  const body = await readFile(files.output(".N-1", BODY_PORT), "utf8");
  const data = parseGraphData(body);
  const opts = await resumeOptions(dir, options);
  checkRunOptions(opts, taskNamesOf(data));
  const sig = await readSignature(dir);
  const inputs = new Map<string, Uint8Array>();
  for (const port of Object.keys(sig.signature.inputs)) inputs.set(port, await readFile(files.output(".N-1", port)));
  const controller = new Controller(data, sig.signature, sig.tasks, files, { ...opts, resume: true });
  return controller.start(body, inputs, sig.name);
}

// ---------------------------------------------------------------------------------------------

/** Untyped; an empty union is how `_signature` files written before the `any` value type say it. */
const isAny = (t: ValueType) => t.kind === "any" || (t.kind === "union" && t.of.length === 0);

/** An executor choice that runs tasks in-process: a worker implementation or an in-process executor. */
function isInProcessChoice(c: ExecutorChoice | undefined): boolean {
  if (typeof c !== "object" || c === null) return false;
  return typeof (c as { runTask?: unknown }).runTask === "function" || isInProcessExecutor(c);
}

function encodeInputs(sig: GraphSignature, inputs: Record<string, unknown>): Map<string, Uint8Array> {
  const problems: string[] = [];
  const out = new Map<string, Uint8Array>();
  const given = inputs ?? {};
  if (typeof given !== "object")
    throw new GraphInputError(`graph inputs must be an object of named values, got ${typeof given}`);
  for (const [port, type] of Object.entries(sig.inputs)) {
    if (!(port in given) || given[port] === undefined) {
      problems.push(`input '${port}' is missing`);
      continue;
    }
    try {
      out.set(port, isAny(type) ? encodeUntyped(given[port]) : encodeValue(given[port], type));
    } catch (e) {
      problems.push(`input '${port}': ${(e as Error).message}`);
    }
  }
  for (const port of Object.keys(given)) if (!(port in sig.inputs)) problems.push(`unknown input '${port}'`);
  if (problems.length) throw new GraphInputError(`graph inputs rejected, nothing ran:\n  ${problems.join("\n  ")}`);
  return out;
}

function decodeOutput(bytes: Uint8Array, type: ValueType): unknown {
  return isAny(type) ? decodeUntyped(bytes) : decodeValue(bytes, type);
}

/** The types of a run, written beside the checkpoints so results decode from the directory alone. */
const SIGNATURE_FILE = "_signature";

interface StoredSignature {
  readonly name: string;
  readonly signature: GraphSignature;
  readonly tasks: Map<string, TaskSignature>;
}

async function readSignature(dir: string): Promise<StoredSignature> {
  try {
    const j = JSON.parse(await readFile(join(dir, SIGNATURE_FILE), "utf8")) as {
      name: string;
      inputs: Record<string, ValueType>;
      outputs: Record<string, ValueType>;
      shape: "ports" | "value";
      tasks: TaskSignature[];
    };
    return {
      name: j.name,
      signature: { inputs: j.inputs, outputs: j.outputs, shape: j.shape },
      tasks: new Map(j.tasks.map((d) => [`${d.worker}.${d.name}`, d])),
    };
  } catch {
    // A run made by upstream: no declared types; values decode as upstream does without them.
    return { name: "graph", signature: { inputs: {}, outputs: {}, shape: "ports" }, tasks: new Map() };
  }
}

export { readSignature };

/** A graph being run at a location (the root `-`, an eval node, a loop iteration, a map element). */
interface Instance {
  readonly loc: string;
  readonly data: GraphData;
  /** Where each graph input's value is. */
  readonly inputs: Readonly<Record<string, FileRef>>;
}

/** A value file: `[node location, port]`, i.e. `<loc>/outputs/<port>`. */
type FileRef = readonly [string, string];

const pyDict = (entries: [string, string][]) => `{${entries.map(([k, v]) => `${pythonString(k)}: ${v}`).join(", ")}}`;

function isoNow(): string {
  // Python's datetime.now().isoformat(): local time, microseconds, no zone.
  const d = new Date();
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}000`;
}

class Controller {
  private readonly executor: Executor;
  /** Tasks run as processes (or jobs). */
  private readonly limiter: Limiter;
  /** Tasks run in-process. */
  private readonly inProcessLimiter: Limiter;
  private readonly staging: Limiter;
  private readonly abort = new AbortController();
  private readonly memo = new Map<string, Promise<void>>();
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly parsedBodies = new WeakMap<NodeDef, GraphData>();
  private readonly workerTimeouts = new Map<string, Record<string, number>>();
  private readonly emit: (e: RunEvent) => void;
  private fresh = true;
  private failure: Error | undefined;
  private tasksRun = 0;
  private tasksCached = 0;
  private detachProgress: (() => void) | undefined;

  constructor(
    private readonly data: GraphData,
    private readonly signature: GraphSignature,
    private readonly tasks: ReadonlyMap<string, TaskSignature>,
    private readonly files: RunFiles,
    private readonly options: RunOptions,
  ) {
    this.executor = options.executor ?? chooseExecutors(options.workers, options.executors);
    this.limiter = new Limiter(options.concurrency ?? availableParallelism());
    this.inProcessLimiter = new Limiter(options.concurrency ?? IN_PROCESS_CONCURRENCY);
    const widest = this.anyInProcess() ? Math.max(this.limiter.limit, this.inProcessLimiter.limit) : this.limiter.limit;
    this.staging = new Limiter(widest * 2 + 4);
    // Every running task listens on the run's signal: with a high concurrency (Slurm) that is
    // more than Node's default of 10 and is not a leak.
    setMaxListeners(0, this.abort.signal);
    const listeners: ((e: RunEvent) => void)[] = [];
    if (options.onEvent) listeners.push(options.onEvent);
    if (options.progress) {
      const p = attachProgress(process.stderr);
      listeners.push(p.onEvent);
      this.detachProgress = p.stop;
    }
    this.emit = (e) => {
      for (const l of listeners) l(e);
    };
  }

  /** Run (or resume) holding the run directory's lock, so no other controller works in it meanwhile. */
  async start(bodyText: string, inputs: Map<string, Uint8Array>, name: string): Promise<RunOutcome<unknown>> {
    const { files } = this;
    // A resumed run may need none of its workers again: it is checked task by task as it goes.
    if (!(this.options.resume && (await exists(files.output(".N-1", BODY_PORT))))) this.checkTasksCanRun();
    await onFile("create", files.dir, () => mkdir(files.dir, { recursive: true }));
    const lock = await acquireRunLock(files.dir);
    try {
      return await this.startLocked(bodyText, inputs, name);
    } finally {
      await lock.release().catch(() => undefined);
    }
  }

  private async startLocked(
    bodyText: string,
    inputs: Map<string, Uint8Array>,
    name: string,
  ): Promise<RunOutcome<unknown>> {
    const { files } = this;
    const stored = files.output(".N-1", BODY_PORT);
    if (await exists(stored)) {
      if (!this.options.resume) {
        throw new RunError(
          `run directory ${files.dir} exists; resume it (option resume / --resume) or choose another workflow id`,
        );
      }
      if ((await readFile(stored, "utf8")) !== bodyText) {
        throw new RunError(`run directory ${files.dir} holds a different graph; it cannot be resumed with this one`);
      }
      for (const [port, bytes] of inputs) {
        const old = await readFile(files.output(".N-1", port)).catch(() => undefined);
        if (!old || !Buffer.from(old).equals(Buffer.from(bytes))) {
          throw new RunError(`run directory ${files.dir} was started with a different value of input '${port}'`);
        }
      }
      this.fresh = false;
    } else {
      await files.prepare(".N-1");
      const write = (file: string, data: string | Uint8Array) =>
        onFile("write", file, () => writeFileAtomic(file, data));
      await Promise.all([
        write(
          join(files.dir, "_metadata"),
          pyDict([
            ["name", pythonString(this.options.name ?? name)],
            ["start_time", pythonString(isoNow())],
          ]),
        ),
        write(
          join(files.dir, SIGNATURE_FILE),
          JSON.stringify(
            { name: this.options.name ?? name, ...this.signature, tasks: [...this.tasks.values()] },
            null,
            2,
          ) + "\n",
        ),
        write(join(files.dir, OPTIONS_FILE), storedOptionsText(this.options)),
        ...[...inputs].map(([port, bytes]) => files.writeValue(".N-1", port, bytes)),
      ]);
      // The body last: its presence says the run directory is complete enough to resume.
      await write(stored, bodyText);
    }

    const onUserAbort = () => this.fail(new RunError("the run was stopped"));
    this.options.signal?.addEventListener("abort", onUserAbort, { once: true });
    this.emit({ type: "run-started", runDir: files.dir, resumed: !this.fresh });
    await this.log(`${this.fresh ? "start" : "resume"} run ${files.workflowId}`);
    try {
      // On resume the graph is walked again even if it finished: finished tasks are checked, not
      // run, and the links of structural nodes are made again (a rerun task's values are new files).
      {
        // A failure recorded by an earlier attempt is not this attempt's.
        if (!this.fresh) await files.reset("-");
        const inputPorts = Object.keys(this.signature.inputs).length
          ? Object.keys(this.signature.inputs)
          : [...this.data.graph_inputs];
        const inputs = Object.fromEntries(inputPorts.map((p) => [p, [".N-1", p] as const]));
        const outs = await this.evalGraph({ loc: "-", data: this.data, inputs });
        await this.atNode("-", "graph", async () => {
          await files.prepare("-");
          if (!this.fresh)
            await onFile("remove", join(files.dir, "-", "_error"), () =>
              rm(join(files.dir, "-", "_error"), { force: true }),
            );
          await Promise.all([
            ...Object.entries(outs).map(([port, [l, p]]) => files.linkOutput(l, p, "-", port)),
            files.write("-", "nodedef", rootNodeDef(inputPorts)),
          ]);
          await files.markDone("-");
        });
      }
    } catch (e) {
      this.fail(e as Error);
    }
    this.options.signal?.removeEventListener("abort", onUserAbort);
    if (this.failure) {
      await this.settle();
      await this.recordFailure(this.failure);
      this.emit({ type: "run-finished", ok: false });
      this.detachProgress?.();
      await this.executor.close?.();
      throw this.failure;
    }
    await this.log(`finished run ${files.workflowId}`);
    this.emit({ type: "run-finished", ok: true });
    this.detachProgress?.();
    await this.executor.close?.();
    return {
      value: await readOutputs(files.dir, this.signature),
      workflowId: files.workflowId,
      runDir: files.dir,
      tasksRun: this.tasksRun,
      tasksCached: this.tasksCached,
    };
  }

  /** Keep the first failure; stop everything else. */
  private fail(e: Error): void {
    this.failure ??= e;
    if (!this.abort.signal.aborted) this.abort.abort();
  }

  /** Wait for tasks still running to end after an abort (their executors stop them). */
  private async settle(): Promise<void> {
    await Promise.allSettled([...this.inflight]);
  }

  private async recordFailure(e: Error): Promise<void> {
    const where = e instanceof TaskFailedError ? e.loc : "-";
    const text = e instanceof TaskFailedError ? `${e.loc}\n${e.task}: ${e.reason}\n` : `${e.message}\n`;
    await this.files.markError("-", e.message).catch(() => undefined);
    await writeFileAtomic(join(this.files.dir, "-", "errors"), text).catch(() => undefined);
    await this.log(`failed at ${where}: ${e.message}`);
    if (e instanceof TaskFailedError) Object.assign(e, { runDir: this.files.dir });
  }

  /** A line in the run's log. Best effort: a log that cannot be written (full disk) fails nothing. */
  private async log(text: string): Promise<void> {
    await appendFile(this.files.logs, `${isoNow()}: ${text}\n`).catch(() => undefined);
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

  private anyInProcess(): boolean {
    const o = this.options;
    if (o.executor) return isInProcessExecutor(o.executor);
    return Object.values(o.executors ?? {}).some(isInProcessChoice);
  }

  /** Whether a worker's tasks run in-process (the same choice `chooseExecutors` makes). */
  private inProcess(worker: string): boolean {
    const o = this.options;
    if (o.executor) return isInProcessExecutor(o.executor);
    return isInProcessChoice(o.executors?.[worker] ?? o.executors?.default);
  }

  /**
   * Every task of the graph has a program to run it (as far as the executor can tell before the
   * run), or the run stops before anything is written, naming each task and what was looked for.
   */
  private checkTasksCanRun(): void {
    const check = this.executor.check?.bind(this.executor);
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

  private checkAborted(): void {
    if (this.abort.signal.aborted) throw this.failure ?? new RunError("the run was stopped");
  }

  /**
   * Where the value of a ref is: a graph input resolves to the file it was given from (so nested
   * graphs, map elements and loop iterations need no folders of their own for their inputs and
   * outputs), any other node's port to that node's output file.
   */
  private resolve(inst: Instance, [j, p]: ValueRef): FileRef {
    const node = j >= 0 ? inst.data.nodes[j] : undefined;
    const name = j === -1 ? p : node?.type === "input" ? node.name : undefined;
    if (name === undefined) return [`${inst.loc}.N${j}`, p];
    const ref = inst.inputs[name];
    if (!ref) throw new RunError(`graph at ${inst.loc}: input '${name}' is not given`);
    return ref;
  }

  /** Run a graph instance; gives where each of its output ports' values are. */
  private async evalGraph(inst: Instance): Promise<Record<string, FileRef>> {
    const out = inst.data.graph_output_idx;
    const outNode = out === null ? undefined : inst.data.nodes[out];
    if (!outNode) throw new RunError(`graph at ${inst.loc} has no output node`);
    await Promise.all(Object.values(outNode.inputs).map(([j]) => (j >= 0 ? this.evalNode(inst, j) : undefined)));
    return Object.fromEntries(Object.entries(outNode.inputs).map(([port, r]) => [port, this.resolve(inst, r)]));
  }

  private evalNode(inst: Instance, idx: number): Promise<void> {
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
    // On resume a task marked done is trusted only if its outputs check; structural nodes are
    // cheap and are done again (see `startLocked`).
    if (!this.fresh && node.type === "function" && (await this.files.isDone(loc))) {
      const bad = await this.checkFinished(inst, node, loc);
      if (!bad) {
        this.tasksCached++;
        this.emit({ type: "task-cached", loc, task: node.function_name });
        return;
      }
      const message = `rerunning ${node.function_name} at ${loc}: output ${bad.port} ${bad.reason}`;
      this.emit({ type: "task-rerun", loc, task: node.function_name, port: bad.port, reason: bad.reason, message });
      await this.log(message);
    }
    this.checkAborted();
    if (node.type !== "function") return this.atNode(loc, node.type, () => this.runStructural(inst, node, loc));
    await Promise.all(Object.values(inEdges(node)).map(([j]) => (j >= 0 ? this.evalNode(inst, j) : undefined)));
    this.checkAborted();
    return this.runTask(inst, node, loc);
  }

  private async runStructural(inst: Instance, node: NodeDef, loc: string): Promise<void> {
    if (node.type === "ifelse") {
      await this.evalNode(inst, node.pred[0]);
      const chosen = (await this.readBool(this.resolve(inst, node.pred), loc, "predicate"))
        ? node.if_true
        : node.if_false;
      await this.evalNode(inst, chosen[0]);
      return this.finishWithLinks(loc, node, { value: this.resolve(inst, chosen) });
    }
    await Promise.all(Object.values(inEdges(node)).map(([j]) => (j >= 0 ? this.evalNode(inst, j) : undefined)));
    this.checkAborted();
    switch (node.type) {
      case "const":
        await this.files.prepare(loc);
        await Promise.all([
          this.files.writeValue(loc, "value", bytesOf(node.value)),
          this.files.write(loc, "nodedef", nodeDefText(node)),
        ]);
        return this.files.markDone(loc);
      case "eifelse": {
        const chosen = (await this.readBool(this.resolve(inst, node.pred), loc, "predicate"))
          ? node.if_true
          : node.if_false;
        return this.finishWithLinks(loc, node, { value: this.resolve(inst, chosen) });
      }
      case "function":
        throw new RunError(`${loc}: a task is not a structural node`);
      case "eval": {
        const body = await this.bodyOf(inst, node.graph);
        const outs = await this.evalGraph({ loc, data: body, inputs: this.resolveAll(inst, node.inputs) });
        return this.finishWithLinks(loc, node, outs);
      }
      case "loop":
        return this.runLoop(inst, node, loc);
      case "map":
        return this.runMap(inst, node, loc);
    }
  }

  private resolveAll(inst: Instance, refs: Record<string, ValueRef>): Record<string, FileRef> {
    return Object.fromEntries(Object.entries(refs).map(([port, r]) => [port, this.resolve(inst, r)]));
  }

  /** A structural node's outputs: hard links in its own folder to where the values are, then `_done`. */
  private async finishWithLinks(loc: string, node: NodeDef, outs: Record<string, FileRef>): Promise<void> {
    await this.files.prepare(loc);
    await Promise.all([
      ...Object.entries(outs).map(([port, [l, p]]) => this.files.linkOutput(l, p, loc, port)),
      this.files.write(loc, "nodedef", nodeDefText(node)),
    ]);
    await this.files.markDone(loc);
  }

  private async readBool([l, p]: FileRef, loc: string, what: string): Promise<boolean> {
    const text = (await readFile(this.files.output(l, p), "utf8")).trim();
    if (text === "true") return true;
    if (text === "false") return false;
    throw new RunError(`${loc}: the ${what} is not a boolean (got ${JSON.stringify(text.slice(0, 40))})`);
  }

  /** The graph a body/graph ref points at: parsed once from the const node, else read from its file. */
  private async bodyOf(inst: Instance, ref: ValueRef): Promise<GraphData> {
    const node = ref[0] >= 0 ? inst.data.nodes[ref[0]] : undefined;
    if (node?.type === "const") {
      let g = this.parsedBodies.get(node);
      if (!g) this.parsedBodies.set(node, (g = graphFromTree(node.value)));
      return g;
    }
    const [l, p] = this.resolve(inst, ref);
    return parseGraphData(await readFile(this.files.output(l, p), "utf8"));
  }

  private outputPorts(body: GraphData): string[] {
    const outNode = body.graph_output_idx === null ? undefined : body.nodes[body.graph_output_idx];
    return Object.keys(outNode?.inputs ?? {});
  }

  private async runLoop(inst: Instance, node: NodeDef & { type: "loop" }, loc: string): Promise<void> {
    const body = await this.bodyOf(inst, node.body);
    if (!this.outputPorts(body).includes(node.continue_port)) {
      throw new RunError(`${loc}: the loop body has no '${node.continue_port}' output`);
    }
    const max = this.options.maxLoopIterations ?? 10_000;
    let inputs = this.resolveAll(inst, node.inputs);
    for (let i = 0; ; i++) {
      if (i >= max)
        throw new RunError(`${loc}: the loop did not stop after ${max} iterations (option maxLoopIterations)`);
      const outs = await this.evalGraph({ loc: `${loc}.L${i}`, data: body, inputs });
      if (!(await this.readBool(outs[node.continue_port]!, `${loc}.L${i}`, `'${node.continue_port}' output`))) {
        return this.finishWithLinks(loc, node, outs);
      }
      // The next iteration gets this one's outputs by name; other inputs stay as they were.
      inputs = { ...inputs, ...outs };
    }
  }

  private async runMap(inst: Instance, node: NodeDef & { type: "map" }, loc: string): Promise<void> {
    const body = await this.bodyOf(inst, node.body);
    const outPorts = this.outputPorts(body);
    const starred = Object.entries(node.inputs).filter(([, r]) => r[1] === "*");
    if (starred.length === 0) throw new RunError(`${loc}: a map needs an input with port '*'`);
    // Element ports of each iterated producer: `0`, `1`, ... (upstream: the number after the last '-').
    const lists = await Promise.all(
      starred.map(async ([, r]) => {
        const [l] = this.resolve(inst, r);
        const names = (await readdir(this.files.outputs(l))).filter((n) => !n.startsWith("."));
        return { loc: l, byIndex: new Map(names.map((n) => [Number(n.split("-").pop()), n])) };
      }),
    );
    const first = lists[0]!.byIndex;
    lists.forEach((l, k) => {
      if (l.byIndex.size !== first.size) {
        throw new RunError(
          `${loc}: the iterated inputs have different lengths ('${starred[0]![0]}': ${first.size}, '${starred[k]![0]}': ${l.byIndex.size})`,
        );
      }
    });
    await this.files.prepare(loc);
    await this.files.write(loc, "nodedef", nodeDefText(node));
    const fixed = this.resolveAll(
      inst,
      Object.fromEntries(Object.entries(node.inputs).filter(([, r]) => r[1] !== "*")),
    );
    await Promise.all(
      [...first.keys()].map(async (e) => {
        const inputs: Record<string, FileRef> = { ...fixed };
        starred.forEach(([port], k) => {
          inputs[port] = [lists[k]!.loc, lists[k]!.byIndex.get(e)!];
        });
        const outs = await this.evalGraph({ loc: `${loc}.M${e}`, data: body, inputs });
        await Promise.all(outPorts.map((p) => this.files.linkOutput(outs[p]![0], outs[p]![1], loc, `${p}-${e}`)));
      }),
    );
    await this.files.markDone(loc);
  }

  private timeoutMs(worker: string, task: string): number | undefined {
    const o = this.options;
    let fromSpec = this.workerTimeouts.get(worker);
    if (!fromSpec) {
      fromSpec = {};
      for (const dir of registryDirs(o.workers)) {
        try {
          const j = JSON.parse(readFileSync(join(dir, worker, "worker.json"), "utf8")) as {
            tasks?: Record<string, { timeout?: number }>;
          };
          for (const [name, t] of Object.entries(j.tasks ?? {}))
            if (typeof t.timeout === "number") fromSpec[name] = t.timeout;
          break;
        } catch {
          // No manifest in this folder.
        }
      }
      this.workerTimeouts.set(worker, fromSpec);
    }
    const s = o.timeouts?.[`${worker}.${task}`] ?? o.timeouts?.[worker] ?? fromSpec[task] ?? o.timeout;
    return s === undefined ? undefined : s * 1000;
  }

  /**
   * At most a few tasks more than the concurrency limit are being prepared or checked at once, so
   * that a wide map does not queue thousands of file operations ahead of the tasks that are
   * running (their exit checks would wait behind them, holding their slots).
   */
  private runTask(inst: Instance, node: NodeDef & { type: "function" }, loc: string): Promise<void> {
    return this.staging.run(() => this.stageTask(inst, node, loc));
  }

  /** The output ports a task writes: its declared ones and any others the graph reads. */
  private taskPorts(node: NodeDef & { type: "function" }): string[] {
    const desc = this.tasks.get(node.function_name);
    return [
      ...new Set([...(desc?.outputs.map((p) => p.name) ?? []), ...[...node.outputs].filter((p) => !p.includes("*"))]),
    ];
  }

  /**
   * Why a task marked done in an earlier attempt cannot be trusted, or undefined: an output is
   * missing, or does not decode as its declared type (an emptied or truncated file, say).
   */
  private async checkFinished(
    inst: Instance,
    node: NodeDef & { type: "function" },
    loc: string,
  ): Promise<{ port: string; reason: string } | undefined> {
    const fn = node.function_name;
    const dot = fn.lastIndexOf(".");
    const check = fn.slice(0, dot) === "builtins" ? BUILTIN_CHECKS[fn.slice(dot + 1)] : undefined;
    if (check) return check(this.files.root, this.callArgs(inst, node, loc, fn.slice(dot + 1)));
    const declared = new Map((this.tasks.get(fn)?.outputs ?? []).map((p) => [p.name, p]));
    for (const port of this.taskPorts(node)) {
      let bytes: Uint8Array;
      try {
        bytes = await readFile(this.files.output(loc, port));
      } catch {
        if (declared.get(port)?.optional) continue;
        return { port, reason: "is missing" };
      }
      const type = declared.get(port)?.type;
      if (type === undefined || isAny(type)) continue;
      try {
        decodeValue(bytes, type);
      } catch (e) {
        return {
          port,
          reason: `does not decode as ${typeName(type)}${bytes.length === 0 ? " (the file is empty)" : ""}: ${(e as Error).message}`,
        };
      }
    }
    return undefined;
  }

  private callArgs(inst: Instance, node: NodeDef & { type: "function" }, loc: string, task: string): CallArgs {
    const { files } = this;
    return {
      function_name: task,
      inputs: Object.fromEntries(
        Object.entries(node.inputs).map(([port, r]) => {
          const [l, p] = this.resolve(inst, r);
          return [port, files.rel(l, "outputs", p)];
        }),
      ),
      outputs: Object.fromEntries(this.taskPorts(node).map((p) => [p, files.rel(loc, "outputs", p)])),
      output_dir: files.rel(loc, "outputs"),
      done_path: files.rel(loc, "_done"),
      error_path: files.rel(loc, "_error"),
      logs_path: `${files.workflowId}/logs`,
    };
  }

  private async stageTask(inst: Instance, node: NodeDef & { type: "function" }, loc: string): Promise<void> {
    this.checkAborted();
    const { files } = this;
    const dot = node.function_name.lastIndexOf(".");
    const worker = node.function_name.slice(0, dot);
    const task = node.function_name.slice(dot + 1);
    const desc = this.tasks.get(node.function_name);
    const args = this.callArgs(inst, node, loc, task);
    // A file that cannot be written (a full disk) fails this task, naming it and the file.
    let result: TaskResult | undefined = await (async () => {
      if (!this.fresh) await files.reset(loc);
      await files.prepare(loc);
      await Promise.all([
        files.write(loc, "nodedef", nodeDefText(node)),
        files.write(loc, "definition", serializeCallArgs(args)),
      ]);
    })().then(
      () => undefined,
      (e: Error) => ({ ok: false as const, reason: e.message }),
    );

    if (result) {
      // Not started: its preparation failed.
    } else if (worker === "builtins" && BUILTINS[task]) {
      this.emit({ type: "task-started", loc, task: node.function_name });
      this.tasksRun++;
      try {
        await BUILTINS[task](files.root, args);
        await files.markDone(loc);
        result = { ok: true };
      } catch (e) {
        result = { ok: false, reason: (e as Error).message };
      }
    } else {
      const launch: TaskLaunch = {
        worker,
        task,
        loc,
        root: files.root,
        workflowId: files.workflowId,
        definitionPath: files.rel(loc, "definition"),
        nodeDir: files.node(loc),
        ...(desc ? { signature: desc } : {}),
        ...(this.timeoutMs(worker, task) !== undefined ? { timeoutMs: this.timeoutMs(worker, task) } : {}),
        callArgs: args,
        signal: this.abort.signal,
      };
      const limiter = this.inProcess(worker) ? this.inProcessLimiter : this.limiter;
      const p = limiter.run(async () => {
        this.checkAborted();
        this.emit({ type: "task-started", loc, task: node.function_name });
        return this.executor.run(launch);
      });
      this.inflight.add(p);
      try {
        result = await p;
      } catch (e) {
        result = { ok: false, reason: (e as Error).message };
      } finally {
        this.inflight.delete(p);
      }
      this.tasksRun++;
    }
    if (result.ok) {
      const missing: string[] = [];
      await Promise.all(
        [...node.outputs]
          .filter((p) => !p.includes("*"))
          .map(async (p) => {
            if (!(await exists(files.output(loc, p)))) missing.push(p);
          }),
      );
      if (missing.length) {
        result = { ok: false, reason: `finished without writing output ${missing.map((m) => `'${m}'`).join(", ")}` };
        // Not done after all: a resume must not find it marked finished.
        await rm(join(files.node(loc), "_done"), { force: true }).catch(() => undefined);
        await files.markError(loc, result.reason).catch(() => undefined);
      }
    }
    if (!result.ok) {
      if (this.abort.signal.aborted && this.failure) throw this.failure;
      if ((await files.readError(loc)) === undefined) await files.markError(loc, result.reason).catch(() => undefined);
      this.emit({ type: "task-failed", loc, task: node.function_name, reason: result.reason });
      const err = new TaskFailedError(loc, node.function_name, result.reason, result.stderrTail);
      this.fail(err);
      throw err;
    }
    this.emit({ type: "task-done", loc, task: node.function_name });
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

/** The graph's outputs from `-/outputs`, decoded by the declared types. */
export async function readOutputs(runDir: string, sig: GraphSignature): Promise<unknown> {
  const outDir = join(runDir, "-", "outputs");
  const ports = Object.keys(sig.outputs).length
    ? Object.keys(sig.outputs)
    : (await readdir(outDir).catch(() => [] as string[])).filter((n) => !n.startsWith("."));
  const values: Record<string, unknown> = {};
  for (const port of ports) {
    const bytes = await readFile(join(outDir, port)).catch(() => {
      throw new RunError(`${runDir}: the graph has not finished (no output '${port}')`);
    });
    values[port] = decodeOutput(bytes, sig.outputs[port] ?? ANY);
  }
  return sig.shape === "value" ? values.value : values;
}

export async function ensureDir(p: string): Promise<void> {
  await mkdir(p, { recursive: true });
}

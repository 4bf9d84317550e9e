/**
 * Task nodes (`function`): staged (node definition, call args), run by the executor chosen for
 * their worker, or by the controller for `builtins` tasks, under the concurrency limits; checked
 * on resume before a finished one is trusted.
 */
import { availableParallelism } from "node:os";
import { readFile } from "node:fs/promises";
import type { CallArgs } from "../../runtime/call-args.js";
import { serializeCallArgs } from "../../runtime/call-args.js";
import { decodeValue } from "../../contract/codec.js";
import { typeName } from "../../contract/value-type.js";
import { BUILTIN_CHECKS, BUILTINS } from "../builtins.js";
import { TaskFailedError } from "../errors.js";
import type { Executor, TaskLaunch, TaskResult } from "../executor.js";
import { exists } from "../file-ops.js";
import { nodeDefText, type FuncNode } from "../graph-data.js";
import { Limiter } from "../limiter.js";
import { isAny } from "../run-values.js";
import { registryDirs, taskTimeouts } from "../worker-folder.js";
import type { Evaluator, Instance } from "./evaluator.js";

/**
 * Default number of in-process tasks at once, whatever the CPU count: their cost is mostly
 * file-system latency (several small async file operations each), not CPU. On a quiet machine a
 * map was measured ~2x faster at 64 than at 2 (the CPU count there); on a CPU-starved one (load
 * 8-20 on 2 cores, a map of 2,000) lower was faster: 2 ran ~1.3x faster than 16 and up to 2x
 * faster than 64. 16 is the compromise: enough to keep libuv's 4 threads busy on file latency,
 * far from the cost seen at 64 under load. One constant: measure with bench/run.bench.mjs.
 */
export const IN_PROCESS_CONCURRENCY = 16;

export class TaskRunner {
  /** Tasks run as processes (or jobs). */
  private readonly limiter: Limiter;
  /** Tasks run in-process. */
  private readonly inProcessLimiter: Limiter;
  private readonly staging: Limiter;
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly workerTimeouts = new Map<string, Record<string, number>>();
  tasksRun = 0;
  tasksCached = 0;

  /** `executor`: the run's, made by the caller of the controller from the run options. */
  constructor(
    private readonly ev: Evaluator,
    readonly executor: Executor,
  ) {
    const options = ev.options;
    this.limiter = new Limiter(options.concurrency ?? availableParallelism());
    this.inProcessLimiter = new Limiter(options.concurrency ?? IN_PROCESS_CONCURRENCY);
    const widest = executor.runsInProcess?.()
      ? Math.max(this.limiter.limit, this.inProcessLimiter.limit)
      : this.limiter.limit;
    this.staging = new Limiter(widest * 2 + 4);
  }

  /** Wait for tasks still running to end after an abort (their executors stop them). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.inflight]);
  }

  /**
   * On resume, a task marked done is trusted only if its outputs check: true when it is, and the
   * task is not run again.
   */
  async reuse(inst: Instance, node: FuncNode, loc: string): Promise<boolean> {
    const { ev } = this;
    if (ev.fresh || !(await ev.layout.isDone(loc))) return false;
    const bad = await this.checkFinished(inst, node, loc);
    if (!bad) {
      this.tasksCached++;
      ev.emit({ type: "task-cached", loc, task: node.function_name });
      return true;
    }
    const message = `rerunning ${node.function_name} at ${loc}: output ${bad.port} ${bad.reason}`;
    ev.emit({ type: "task-rerun", loc, task: node.function_name, port: bad.port, reason: bad.reason, message });
    await ev.layout.log(message);
    return false;
  }

  /**
   * At most a few tasks more than the concurrency limit are being prepared or checked at once, so
   * that a wide map does not queue thousands of file operations ahead of the tasks that are
   * running (their exit checks would wait behind them, holding their slots).
   */
  run(inst: Instance, node: FuncNode, loc: string): Promise<void> {
    return this.staging.run(() => this.stage(inst, node, loc));
  }

  private timeoutMs(worker: string, task: string): number | undefined {
    const o = this.ev.options;
    let fromSpec = this.workerTimeouts.get(worker);
    if (!fromSpec) this.workerTimeouts.set(worker, (fromSpec = taskTimeouts(registryDirs(o.workers), worker)));
    const s = o.timeouts?.[`${worker}.${task}`] ?? o.timeouts?.[worker] ?? fromSpec[task] ?? o.timeout;
    return s === undefined ? undefined : s * 1000;
  }

  /** The output ports a task writes: its declared ones and any others the graph reads. */
  private taskPorts(node: FuncNode): string[] {
    const desc = this.ev.tasks.get(node.function_name);
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
    node: FuncNode,
    loc: string,
  ): Promise<{ port: string; reason: string } | undefined> {
    const { layout } = this.ev;
    const fn = node.function_name;
    const dot = fn.lastIndexOf(".");
    const check = fn.slice(0, dot) === "builtins" ? BUILTIN_CHECKS[fn.slice(dot + 1)] : undefined;
    if (check) return check(layout.root, this.callArgs(inst, node, loc, fn.slice(dot + 1)));
    const declared = new Map((this.ev.tasks.get(fn)?.outputs ?? []).map((p) => [p.name, p]));
    for (const port of this.taskPorts(node)) {
      let bytes: Uint8Array;
      try {
        bytes = await readFile(layout.output(loc, port));
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

  private callArgs(inst: Instance, node: FuncNode, loc: string, task: string): CallArgs {
    const { layout } = this.ev;
    return {
      function_name: task,
      inputs: Object.fromEntries(
        Object.entries(node.inputs).map(([port, r]) => {
          const [l, p] = this.ev.resolve(inst, r);
          return [port, layout.relOutput(l, p)];
        }),
      ),
      outputs: Object.fromEntries(this.taskPorts(node).map((p) => [p, layout.relOutput(loc, p)])),
      output_dir: layout.relOutputs(loc),
      done_path: layout.relDone(loc),
      error_path: layout.relError(loc),
      logs_path: layout.relLogs(),
    };
  }

  private async stage(inst: Instance, node: FuncNode, loc: string): Promise<void> {
    const { ev } = this;
    ev.checkAborted();
    const { layout } = ev;
    const dot = node.function_name.lastIndexOf(".");
    const worker = node.function_name.slice(0, dot);
    const task = node.function_name.slice(dot + 1);
    const desc = ev.tasks.get(node.function_name);
    const args = this.callArgs(inst, node, loc, task);
    // A file that cannot be written (a full disk) fails this task, naming it and the file.
    let result: TaskResult | undefined = await (async () => {
      if (!ev.fresh) await layout.reset(loc);
      await layout.prepare(loc);
      await Promise.all([
        layout.write(loc, "nodedef", nodeDefText(node)),
        layout.write(loc, "definition", serializeCallArgs(args)),
      ]);
    })().then(
      () => undefined,
      (e: Error) => ({ ok: false as const, reason: e.message }),
    );

    if (result) {
      // Not started: its preparation failed.
    } else if (worker === "builtins" && BUILTINS[task]) {
      ev.emit({ type: "task-started", loc, task: node.function_name });
      this.tasksRun++;
      try {
        await layout.markStarted(loc);
        await BUILTINS[task](layout.root, args);
        await layout.markDone(loc);
        result = { ok: true };
      } catch (e) {
        result = { ok: false, reason: (e as Error).message };
      }
    } else {
      const timeoutMs = this.timeoutMs(worker, task);
      const launch: TaskLaunch = {
        worker,
        task,
        loc,
        root: layout.root,
        workflowId: layout.workflowId,
        definitionPath: layout.relDefinition(loc),
        nodeDir: layout.node(loc),
        ...(desc ? { signature: desc } : {}),
        ...(timeoutMs !== undefined ? { timeoutMs } : {}),
        callArgs: args,
        signal: ev.signal,
      };
      const limiter = this.executor.runsInProcess?.(worker) ? this.inProcessLimiter : this.limiter;
      const p = limiter.run(async () => {
        ev.checkAborted();
        ev.emit({ type: "task-started", loc, task: node.function_name });
        const started = layout.markStarted(loc);
        const result = await this.executor.run(launch);
        await started;
        return result;
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
            if (!(await exists(layout.output(loc, p)))) missing.push(p);
          }),
      );
      if (missing.length) {
        result = { ok: false, reason: `finished without writing output ${missing.map((m) => `'${m}'`).join(", ")}` };
        // Not done after all: a resume must not find it marked finished.
        await layout.removeDone(loc).catch(() => undefined);
        await layout.markError(loc, result.reason).catch(() => undefined);
      }
    }
    if (!result.ok) {
      if (ev.signal.aborted && ev.failure) {
        await layout.taskStopped(loc);
        throw ev.failure;
      }
      if ((await layout.readError(loc)) === undefined)
        await layout.markError(loc, result.reason).catch(() => undefined);
      ev.emit({ type: "task-failed", loc, task: node.function_name, reason: result.reason });
      const err = new TaskFailedError(loc, node.function_name, result.reason, result.stderrTail);
      ev.fail(err);
      throw err;
    }
    ev.emit({ type: "task-done", loc, task: node.function_name });
  }
}

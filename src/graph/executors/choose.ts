/**
 * From the run options' executor choices (`{ openssl_worker: "shell", default: "auto" }`) to one
 * executor. "auto" looks for a launcher (`<dir>/<worker>` or `<dir>/<worker>/main.sh`), then a
 * TypeScript worker (`<dir>/<worker>/main.js`, `main.ts`, ...), then a Python worker
 * (`<dir>/<worker>/main.py`), and names every place searched when none exists. The emitter writes
 * a launcher only for a worker whose tasks say how to launch them, so a worker implemented in
 * TypeScript or Python is found as such. `check` answers, before a run, whether a task can run.
 */
import { join } from "node:path";
import type { WorkerImpl } from "../../runtime/sdk.js";
import type { Executor, ExecutorChoice, TaskLaunch, TaskResult } from "../executor.js";
import { findWorkerFile, launcherCandidates, nodeWorkerCandidates, WorkerNotFoundError } from "./find-worker.js";
import { registryDirs } from "../worker-folder.js";
import { inProcessExecutor } from "./in-process.js";
import { nodeExecutor } from "./node.js";
import { pythonExecutor } from "./python.js";
import { shellExecutor } from "./shell.js";
import { stdioExecutor } from "./stdio.js";

export type { ExecutorChoice };

function isImpl(c: unknown): c is WorkerImpl<unknown> {
  return typeof c === "object" && c !== null && typeof (c as WorkerImpl<unknown>).runTask === "function";
}

export function chooseExecutors(
  workers: string | readonly string[] | undefined,
  choices: Readonly<Record<string, ExecutorChoice>> = {},
): Executor {
  const dirs = registryDirs(workers);
  const shell = shellExecutor({ workers: dirs });
  const stdio = stdioExecutor({ workers: dirs });
  const node = nodeExecutor({ workers: dirs });
  const python = pythonExecutor({ workers: dirs });
  const inProcess = new Map<unknown, Executor>();
  const perWorker = new Map<string, Executor>();

  const resolveChoice = (worker: string, c: ExecutorChoice): Executor => {
    if (c === "shell") return shell;
    if (c === "stdio") return stdio;
    if (c === "node") return node;
    if (c === "python") return python;
    if (c === "auto") {
      const searched: string[] = [];
      for (const [kind, cands, ex] of [
        ["launcher", launcherCandidates(worker), shell],
        ["TypeScript worker", nodeWorkerCandidates(worker), node],
        ["Python worker", (dir: string) => [join(dir, worker, "main.py")], python],
      ] as const) {
        try {
          findWorkerFile(worker, dirs, cands, kind);
          return ex;
        } catch (e) {
          if (!(e instanceof WorkerNotFoundError)) throw e;
          searched.push(...e.searched);
        }
      }
      throw new WorkerNotFoundError(worker, dirs, searched, "launcher, TypeScript worker or Python worker");
    }
    if (isImpl(c)) {
      let ex = inProcess.get(c);
      if (!ex) inProcess.set(c, (ex = inProcessExecutor(c)));
      return ex;
    }
    return c as Executor;
  };

  const executorOf = (worker: string): Executor => {
    let ex = perWorker.get(worker);
    if (!ex) {
      ex = resolveChoice(worker, choices[worker] ?? choices.default ?? "auto");
      perWorker.set(worker, ex);
    }
    return ex;
  };

  return {
    run(launch: TaskLaunch): Promise<TaskResult> {
      let ex: Executor;
      try {
        ex = executorOf(launch.worker);
      } catch (e) {
        return Promise.resolve({ ok: false, reason: (e as Error).message });
      }
      return ex.run(launch);
    },
    // From the choices alone, as the run sizes its limits before any worker is looked for.
    runsInProcess(worker?: string): boolean {
      const given = worker === undefined ? Object.values(choices) : [choices[worker] ?? choices.default];
      return given.some(
        (c) => isImpl(c) || (typeof c === "object" && c !== null && (c as Executor).runsInProcess?.(worker) === true),
      );
    },
    check(worker: string, task: string): string | undefined {
      try {
        return executorOf(worker).check?.(worker, task);
      } catch (e) {
        return (e as Error).message;
      }
    },
    async close() {
      // Executors the caller gave, and services run in-process (their servers stop with the run).
      const closable = Object.values(choices).filter((c) => typeof c === "object") as { close?(): Promise<void> }[];
      await Promise.all([...new Set(closable)].map((e) => e.close?.()));
    },
  };
}

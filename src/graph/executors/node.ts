/**
 * The TypeScript-worker executor: starts an SDK worker (`defineWorker(...)` + `runIfMain`, built
 * to JavaScript) as `node <file> <definition path>` with `TKR_DIR` set. The worker marks its own
 * `_done`/`_error`; an exit without either is a failure.
 */
import { join } from "node:path";
import type { Executor, TaskLaunch, TaskResult } from "../executor.js";
import { findWorkerFile, nodeWorkerCandidates } from "./find-worker.js";
import { registryDirs } from "../worker-folder.js";
import { runProcessTask } from "./process-task.js";

export interface NodeExecutorOptions {
  /** Worker registry folders, searched for `<worker>/main.js`, `<worker>.js`, ... */
  readonly workers?: string | readonly string[];
  /** Worker name → JavaScript file, taking precedence over the search. */
  readonly files?: Readonly<Record<string, string>>;
  /** The `node` binary (default: the one running the controller). */
  readonly node?: string;
  readonly nodeArgs?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
}

export function nodeExecutor(options: NodeExecutorOptions): Executor {
  const dirs = registryDirs(options.workers);
  const found = new Map<string, string>(Object.entries(options.files ?? {}));
  const workerFile = (worker: string): string => {
    let file = found.get(worker);
    if (file === undefined) {
      file = findWorkerFile(worker, dirs, nodeWorkerCandidates(worker), "TypeScript worker (.js or .ts)");
      found.set(worker, file);
    }
    return file;
  };
  return {
    check(worker: string): string | undefined {
      try {
        workerFile(worker);
        return undefined;
      } catch (e) {
        return (e as Error).message;
      }
    },
    async run(launch: TaskLaunch): Promise<TaskResult> {
      let file: string;
      try {
        file = workerFile(launch.worker);
      } catch (e) {
        return { ok: false, reason: (e as Error).message };
      }
      return runProcessTask(launch, {
        file: options.node ?? process.execPath,
        args: [...(options.nodeArgs ?? []), file, launch.definitionPath],
        cwd: launch.root,
        env: { ...options.env, TKR_DIR: launch.root },
        logs: join(launch.root, launch.workflowId, "logs"),
        exitZeroWithoutDone: "fail",
      });
    },
  };
}

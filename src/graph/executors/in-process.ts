/**
 * The in-process executor: calls a TypeScript worker's handlers inside the controller through
 * the SDK's `runTask` (same call args, same files, no process start), for speed. A time limit
 * ends the wait but cannot stop a handler that never returns; that is what process executors are for.
 */
import type { WorkerImpl } from "../../runtime-contract/sdk.js";
import { FileStorage, type WorkerStorage } from "../../runtime-contract/storage.js";
import type { Executor, TaskLaunch, TaskResult } from "../executor.js";
import { tail } from "../run-files.js";
import { join } from "node:path";
import { appendFile, readFile } from "node:fs/promises";
import { formatSeconds } from "./process-task.js";

type AnyWorker = WorkerImpl<unknown>;

/** One worker implementation, or several keyed by worker name. */
export function inProcessExecutor(workers: AnyWorker | readonly AnyWorker[]): Executor {
  const list: readonly AnyWorker[] = Array.isArray(workers) ? (workers as readonly AnyWorker[]) : [workers as AnyWorker];
  const byName = new Map(list.map((w) => [w.def.name, w]));
  const storages = new Map<string, WorkerStorage>();
  return {
    async run(launch: TaskLaunch): Promise<TaskResult> {
      const impl = byName.get(launch.worker);
      if (!impl) {
        return { ok: false, reason: `no in-process implementation of worker '${launch.worker}' (have: ${[...byName.keys()].join(", ")})` };
      }
      let storage = storages.get(launch.root);
      if (!storage) storages.set(launch.root, (storage = new FileStorage(launch.root)));
      const errors = join(launch.nodeDir, "errors");
      const onError = (m: string) => void appendFile(errors, m + "\n").catch(() => undefined);
      const work = impl.runTask(launch.definitionPath, storage, { onError });
      let timer: NodeJS.Timeout | undefined;
      const limits: Promise<TaskResult>[] = [];
      if (launch.timeoutMs !== undefined) {
        limits.push(
          new Promise((resolve) => {
            timer = setTimeout(() => resolve({ ok: false, reason: `timed out after ${formatSeconds(launch.timeoutMs!)}` }), launch.timeoutMs);
          }),
        );
      }
      const result = await Promise.race([
        work.then(async (ok): Promise<TaskResult> => {
          if (ok) return { ok: true };
          const message = await readFile(join(launch.nodeDir, "_error"), "utf8").catch(() => "the task failed");
          return { ok: false, reason: message.trim(), stderrTail: await tail(errors) };
        }),
        ...limits,
      ]);
      clearTimeout(timer);
      return result;
    },
  };
}

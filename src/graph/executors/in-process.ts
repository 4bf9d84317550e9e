/**
 * The in-process executor: calls a TypeScript worker's handlers inside the controller through
 * the SDK's `runTask` (same call args, same value files), for speed. Its storage takes the call
 * args from the controller instead of reading the file back, serves inputs other in-process tasks
 * have just written from a small cache, and leaves logging to the controller. A time limit ends
 * the wait but cannot stop a handler that never returns; that is what process executors are for.
 */
import { writeFileSync } from "node:fs";
import { appendFile, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { CallArgs } from "../../runtime/call-args.js";
import type { WorkerImpl } from "../../runtime/sdk.js";
import { FileStorage, writeFileAtomicSync, type WorkerStorage } from "../../runtime/storage.js";
import type { Executor, TaskLaunch, TaskResult } from "../executor.js";
import { tail } from "../file-ops.js";
import { formatSeconds } from "./process-task.js";

type AnyWorker = WorkerImpl<unknown>;

/** Recently written small values by absolute path, so a consumer in-process does not read them back. */
class ValueCache {
  private readonly map = new Map<string, Uint8Array>();
  private bytes = 0;
  constructor(private readonly limit = 32 * 2 ** 20) {}
  get(path: string): Uint8Array | undefined {
    return this.map.get(path);
  }
  set(path: string, value: Uint8Array): void {
    if (value.byteLength > 2 ** 20) return;
    this.map.set(path, value);
    this.bytes += value.byteLength;
    // Oldest first: a Map iterates in insertion order.
    for (const [k, v] of this.map) {
      if (this.bytes <= this.limit) break;
      this.map.delete(k);
      this.bytes -= v.byteLength;
    }
  }
}

function storageFor(files: FileStorage, cache: ValueCache, launch: TaskLaunch): WorkerStorage {
  const args: CallArgs | undefined = launch.callArgs;
  return {
    resolve: (p) => files.resolve(p),
    readCallArgs: (p) => (args && p === launch.definitionPath ? Promise.resolve(args) : files.readCallArgs(p)),
    readInput: async (p) => cache.get(files.resolve(p)) ?? files.readInput(p),
    // Written synchronously: handlers run on this thread anyway, and a small file costs ~22 µs
    // written directly against ~100-125 µs through fs/promises (measured on these disks). Through
    // a temporary file and a rename, so a full disk leaves no truncated value behind.
    writeOutput: async (p, value) => {
      const abs = files.resolve(p);
      writeFileAtomicSync(abs, value);
      cache.set(abs, value);
    },
    glob: (p) => files.glob(p),
    markDone: async (p) => {
      const abs = files.resolve(p);
      try {
        writeFileSync(abs, "");
      } catch (e) {
        throw new Error(`cannot create ${abs}: ${(e as Error).message}`);
      }
    },
    writeError: (p, m) => files.writeError(p, m),
  };
}

/** One worker implementation, or several keyed by worker name. */
export function inProcessExecutor(workers: AnyWorker | readonly AnyWorker[]): Executor {
  const list: readonly AnyWorker[] = Array.isArray(workers)
    ? (workers as readonly AnyWorker[])
    : [workers as AnyWorker];
  const byName = new Map(list.map((w) => [w.def.name, w]));
  const roots = new Map<string, FileStorage>();
  const cache = new ValueCache();
  const executor: Executor = {
    async run(launch: TaskLaunch): Promise<TaskResult> {
      const impl = byName.get(launch.worker);
      if (!impl) {
        return {
          ok: false,
          reason: `no in-process implementation of worker '${launch.worker}' (have: ${[...byName.keys()].join(", ")})`,
        };
      }
      let files = roots.get(launch.root);
      if (!files) roots.set(launch.root, (files = new FileStorage(launch.root)));
      const errors = join(launch.nodeDir, "errors");
      // Kept in memory too: on a full disk neither `errors` nor `_error` can be written.
      const messages: string[] = [];
      const onError = (m: string) => {
        messages.push(m);
        void appendFile(errors, m + "\n").catch(() => undefined);
      };
      const work = impl.runTask(launch.definitionPath, storageFor(files, cache, launch), { onError });
      let timer: NodeJS.Timeout | undefined;
      const limits: Promise<TaskResult>[] = [];
      if (launch.timeoutMs !== undefined) {
        limits.push(
          new Promise((resolve) => {
            timer = setTimeout(
              () => resolve({ ok: false, reason: `timed out after ${formatSeconds(launch.timeoutMs!)}` }),
              launch.timeoutMs,
            );
          }),
        );
      }
      const result = await Promise.race([
        work.then(async (ok): Promise<TaskResult> => {
          if (ok) return { ok: true };
          const message = await readFile(join(launch.nodeDir, "_error"), "utf8").catch(
            () => messages.join("; ") || "the task failed",
          );
          return {
            ok: false,
            reason: message.trim(),
            stderrTail: (await tail(errors)) ?? (messages.slice(1).join("\n") || undefined),
          };
        }),
        ...limits,
      ]);
      clearTimeout(timer);
      return result;
    },
    // Every task it runs runs inside the controller: they get their own concurrency default.
    runsInProcess: () => true,
  };
  return executor;
}

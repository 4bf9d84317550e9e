/** Assign workers to executors: a table by worker name, and a default for the rest. */
import type { Executor, TaskLaunch, TaskResult } from "../executor.js";

export function routeExecutors(byWorker: Readonly<Record<string, Executor>>, fallback?: Executor): Executor {
  const all = [...new Set([...Object.values(byWorker), ...(fallback ? [fallback] : [])])];
  return {
    run(launch: TaskLaunch): Promise<TaskResult> {
      const ex = Object.hasOwn(byWorker, launch.worker) ? byWorker[launch.worker] : fallback;
      if (!ex) {
        return Promise.resolve({
          ok: false,
          reason: `no executor for worker '${launch.worker}' (configured: ${Object.keys(byWorker).join(", ") || "none"}, no default)`,
        });
      }
      return ex.run(launch);
    },
    check(worker: string, task: string): string | undefined {
      const ex = Object.hasOwn(byWorker, worker) ? byWorker[worker] : fallback;
      if (!ex)
        return `no executor for worker '${worker}' (configured: ${Object.keys(byWorker).join(", ") || "none"}, no default)`;
      return ex.check?.(worker, task);
    },
    async close() {
      await Promise.all(all.map((e) => e.close?.()));
    },
  };
}

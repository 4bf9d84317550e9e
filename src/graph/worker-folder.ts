/**
 * Worker folders as the controller reads them: the registry folders a run is given (searched in
 * order) and what a worker's `worker.json` there says of its tasks' time limits (`@timeout`). The
 * executors find a worker's program in the same folders (`executors/find-worker.ts`).
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";

/** The worker folders of the run option `workers`, absolute, in search order. */
export function registryDirs(workers: string | readonly string[] | undefined): string[] {
  const list = workers === undefined ? [] : typeof workers === "string" ? [workers] : [...workers];
  return list.map((d) => resolve(d));
}

/**
 * The time limits in seconds by task that `<dir>/<worker>/worker.json` sets, from the first folder
 * that has one; empty when none does. Read once per worker, so synchronously.
 */
export function taskTimeouts(dirs: readonly string[], worker: string): Record<string, number> {
  const timeouts: Record<string, number> = {};
  for (const dir of dirs) {
    try {
      const j = JSON.parse(readFileSync(join(dir, worker, "worker.json"), "utf8")) as {
        tasks?: Record<string, { timeout?: number }>;
      };
      for (const [name, t] of Object.entries(j.tasks ?? {}))
        if (typeof t.timeout === "number") timeouts[name] = t.timeout;
      break;
    } catch {
      // No manifest in this folder.
    }
  }
  return timeouts;
}

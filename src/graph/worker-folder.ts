/**
 * Worker folders as the controller and the executors read them: the registry folders a run is
 * given (searched in order), and the worker manifest (`worker.json`, written by the emitter) in a
 * worker's folder: its tasks' time limits (`@timeout`), Slurm resources and how each is launched.
 * The executors find a worker's program in the same folders (`executors/find-worker.ts`).
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { SlurmResources } from "../contract/resources.js";

/** What run time reads of a worker manifest (src/emitter/manifest.ts writes it; schema/worker.schema.json). */
export interface WorkerManifest {
  readonly tasks?: Readonly<
    Record<string, { readonly timeout?: unknown; readonly resources?: SlurmResources; readonly launch?: unknown }>
  >;
}

/**
 * The worker manifest in a worker's folder, `<folder>/worker.json`: undefined when there is none
 * to read (a hand-written launcher has none), an error naming the file when it is not JSON.
 */
export function readManifest(folder: string): WorkerManifest | undefined {
  const file = join(folder, "worker.json");
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text) as WorkerManifest;
  } catch (error) {
    throw new Error(`${file} is not valid JSON: ${(error as Error).message}`);
  }
}

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
      const j = readManifest(join(dir, worker));
      if (!j) continue;
      for (const [name, t] of Object.entries(j.tasks ?? {}))
        if (typeof t.timeout === "number") timeouts[name] = t.timeout;
      break;
    } catch {
      // Not JSON, or not a manifest: the next folder may have one.
    }
  }
  return timeouts;
}

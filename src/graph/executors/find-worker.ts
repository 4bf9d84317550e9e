/**
 * Where a worker's program is: the registry folders are searched in order, and the error for a
 * worker that is nowhere names every place looked at.
 */
import { accessSync, constants, statSync } from "node:fs";
import { join } from "node:path";

export class WorkerNotFoundError extends Error {
  override name = "WorkerNotFoundError";
  constructor(
    readonly worker: string,
    /** The worker folders searched, in order. */
    readonly folders: readonly string[],
    /** Every path looked at. */
    readonly searched: readonly string[],
    what: string,
  ) {
    super(
      folders.length === 0
        ? `worker '${worker}' not found: no worker folders given (option 'workers')`
        : `worker '${worker}' not found: no ${what} in the worker folders ${folders.join(", ")} (looked at ${searched.join(", ")})`,
    );
  }
}

/** Whether `p` is a regular file (following links). */
export function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/**
 * The first existing file among `candidates(dir)` for each folder in turn. Sync `stat`s, once per
 * worker (executors cache the answer), not per task.
 */
export function findWorkerFile(
  worker: string,
  dirs: readonly string[],
  candidates: (dir: string) => string[],
  what: string,
): string {
  const searched: string[] = [];
  for (const dir of dirs) {
    for (const c of candidates(dir)) {
      searched.push(c);
      if (isFile(c)) return c;
    }
  }
  throw new WorkerNotFoundError(worker, dirs, searched, what);
}

/** Upstream's launcher lookup: `<dir>/<worker>` if it is a file, else `<dir>/<worker>/main.sh`. */
export const launcherCandidates = (worker: string) => (dir: string) => [
  join(dir, worker),
  join(dir, worker, "main.sh"),
];

/**
 * A TypeScript (SDK) worker: built to JavaScript, or its `.ts` source, which Node (>= 22.18, 24)
 * runs directly by stripping types. Built files come first, so a build wins over its source.
 */
export const nodeWorkerCandidates = (worker: string) => (dir: string) => [
  join(dir, worker, "main.js"),
  join(dir, worker, "main.mjs"),
  join(dir, worker, "worker.js"),
  join(dir, worker, "worker.mjs"),
  join(dir, `${worker}.js`),
  join(dir, `${worker}.mjs`),
  join(dir, worker, "main.ts"),
  join(dir, worker, "worker.ts"),
  join(dir, `${worker}.ts`),
];

export function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** How to start a launcher: an executable as it is (any language), a plain script through bash. */
export function launcherCommand(file: string, definitionPath: string): { file: string; args: string[] } {
  return isExecutable(file) ? { file, args: [definitionPath] } : { file: "bash", args: [file, definitionPath] };
}

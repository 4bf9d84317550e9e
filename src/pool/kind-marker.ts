/**
 * Which kind of executor ran a task, written beside its checkpoints (`<loc>/_kind`, e.g. `python`)
 * so that `status` can show it from the run directory alone.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Executor, TaskLaunch, TaskResult } from "../graph/executor.js";
import { KIND_FILE } from "../graph/run-layout.js";

export { KIND_FILE };

export function markKind(kind: string, inner: Executor): Executor {
  const mark = (launch: TaskLaunch) => writeFile(join(launch.nodeDir, KIND_FILE), kind).catch(() => undefined);
  const marked: Executor = {
    async run(launch: TaskLaunch): Promise<TaskResult> {
      await mark(launch);
      return inner.run(launch);
    },
    close: inner.close && (() => inner.close!()),
  };
  if (inner.runMany) {
    const runMany = inner.runMany.bind(inner);
    marked.runMany = (launches) => {
      const ready = Promise.all(launches.map(mark));
      const results = ready.then(() => runMany(launches));
      return launches.map((_, i) => results.then((r) => r[i]!));
    };
  }
  return marked;
}

/** The kind that ran the task in `nodeDir`, if a pool executor marked it. */
export async function readKind(nodeDir: string): Promise<string | undefined> {
  try {
    return (await readFile(join(nodeDir, KIND_FILE), "utf8")).trim();
  } catch {
    return undefined;
  }
}

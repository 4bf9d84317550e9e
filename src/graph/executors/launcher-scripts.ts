/**
 * A generated launcher runs some tasks by a script beside it (`@script`, bare `@stdio`, or
 * `<task>.sh` in a worker with `@script`). Whether that script exists is known before the run:
 * `worker.json` beside the launcher says which file each task runs, and the file is looked for
 * where the launcher's runtime would look (relative to the launcher's real folder).
 */
import { realpathSync } from "node:fs";
import { basename, dirname, isAbsolute, join } from "node:path";
import { readManifest } from "../worker-folder.js";
import { isFile } from "./find-worker.js";

interface LaunchEntry {
  readonly kind?: unknown;
  readonly path?: unknown;
  readonly line?: unknown;
}

/** The script a task's launch runs, if it runs one. */
function scriptOf(task: string, launch: LaunchEntry | undefined): string | undefined {
  if (launch?.kind === "script" && typeof launch.path === "string") return launch.path;
  if (launch?.kind === "stdio" && launch.line === undefined) return `${task}.sh`;
  return undefined;
}

function readTasks(launcher: string): Readonly<Record<string, { readonly launch?: unknown }>> | undefined {
  try {
    const json = readManifest(dirname(launcher));
    return typeof json?.tasks === "object" && json.tasks !== null ? json.tasks : undefined;
  } catch {
    // A hand-written launcher has no worker.json: nothing to check before the run.
    return undefined;
  }
}

/**
 * Why `task` of the launcher `launcher` (a `main.sh` with `worker.json` beside it) cannot run: its
 * script is missing. Undefined when it can, or when there is no `worker.json` to tell.
 */
export function missingScript(launcher: string, task: string): string | undefined {
  if (basename(launcher) !== "main.sh") return undefined;
  const tasks = readTasks(launcher);
  if (!tasks || !Object.hasOwn(tasks, task)) return undefined;
  const script = scriptOf(task, tasks[task]!.launch as LaunchEntry | undefined);
  if (script === undefined) return undefined;
  const path = isAbsolute(script) ? script : join(dirname(realpathSync(launcher)), script);
  if (isFile(path)) return undefined;
  return `its script ${path} was not found (write it, or declare the task's command line with @command)`;
}

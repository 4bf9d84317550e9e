/**
 * The Python executor, the Tierkreis way: a worker folder with `main.py` (and optionally a
 * `pyproject.toml`) runs as `uv run main.py <definition>` in that folder where `uv` is installed,
 * else with the folder's own `.venv` interpreter, else with a configured `python` (default
 * `python3`). The worker marks its own `_done`/`_error` (as Tierkreis' `Worker` does); an exit
 * without either is a failure, never a silent success.
 */
import { execFileSync } from "node:child_process";
import { delimiter, isAbsolute, join, resolve } from "node:path";
import type { Executor, TaskLaunch, TaskResult } from "../executor.js";
import { contractEnv } from "./contract-env.js";
import { findWorkerFile, isExecutable, isFile } from "./find-worker.js";
import { registryDirs } from "../worker-folder.js";
import { runProcessTask } from "./process-task.js";
import { callArgsOf } from "./shell.js";

export interface PythonExecutorOptions {
  /** Worker registry folders, searched for `<worker>/main.py`. */
  readonly workers?: string | readonly string[];
  /** Worker name → its project folder (holding `main.py`), taking precedence over the search. */
  readonly projects?: Readonly<Record<string, string>>;
  /** Interpreter when neither uv nor a `.venv` applies (default `python3`, found on PATH). */
  readonly python?: string;
  /** Use `uv run` where uv is on PATH (default true). */
  readonly uv?: boolean;
  /** Extra environment; the contract's own variables win over it. */
  readonly env?: Readonly<Record<string, string>>;
}

/** How one worker's program starts: the interpreter chosen and why, for messages and tests. */
export interface PythonCommand {
  readonly file: string;
  readonly args: readonly string[];
  readonly via: "uv" | "venv" | "python";
  readonly project: string;
}

/** The first executable `name` on PATH (or `name` itself when it is a path), else undefined. */
export function onPath(name: string, path = process.env.PATH ?? ""): string | undefined {
  if (name.includes("/")) return isExecutable(name) && isFile(name) ? resolve(name) : undefined;
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (isFile(candidate) && isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** uv, else `<project>/.venv/bin/python`, else the configured interpreter; throws when none exists. */
export function pythonCommand(
  project: string,
  options: Pick<PythonExecutorOptions, "python" | "uv"> = {},
): PythonCommand {
  const main = join(project, "main.py");
  if (!isFile(main)) throw new Error(`no main.py in the Python worker folder ${project}`);
  const uv = options.uv === false ? undefined : onPath("uv");
  if (uv) return { file: uv, args: ["run", "main.py"], via: "uv", project };
  const venv = join(project, ".venv", "bin", "python");
  if (isExecutable(venv)) return { file: venv, args: [main], via: "venv", project };
  const wanted = options.python ?? "python3";
  const python = onPath(isAbsolute(wanted) || !wanted.includes("/") ? wanted : resolve(wanted));
  if (!python) {
    throw new Error(
      `no Python interpreter for ${project}: uv is ${options.uv === false ? "turned off" : "not on PATH"}, there is no ${venv}, and '${wanted}' is not an executable${wanted.includes("/") ? "" : " on PATH"}`,
    );
  }
  return { file: realInterpreter(python), args: [main], via: "python", project };
}

const interpreters = new Map<string, string>();

/**
 * The interpreter behind a launcher script such as pyenv's `python3` shim (a bash script that
 * costs a few hundred milliseconds per start), asked once; the configured path when it cannot say.
 */
function realInterpreter(python: string): string {
  let real = interpreters.get(python);
  if (real === undefined) {
    try {
      real = execFileSync(python, ["-c", "import sys; print(sys.executable)"], {
        encoding: "utf8",
        timeout: 30_000,
      }).trim();
      if (!real || !isExecutable(real)) real = python;
    } catch {
      real = python;
    }
    interpreters.set(python, real);
  }
  return real;
}

export function pythonExecutor(options: PythonExecutorOptions): Executor & { command(worker: string): PythonCommand } {
  const dirs = registryDirs(options.workers);
  const commands = new Map<string, PythonCommand>();
  const command = (worker: string): PythonCommand => {
    let c = commands.get(worker);
    if (!c) {
      const given = options.projects?.[worker];
      const project = given
        ? resolve(given)
        : resolve(
            findWorkerFile(worker, dirs, (dir) => [join(dir, worker, "main.py")], "Python worker (main.py)"),
            "..",
          );
      c = pythonCommand(project, options);
      commands.set(worker, c);
    }
    return c;
  };
  return {
    command,
    async run(launch: TaskLaunch): Promise<TaskResult> {
      let c: PythonCommand;
      let env: Record<string, string>;
      const logs = join(launch.root, launch.workflowId, "logs");
      try {
        c = command(launch.worker);
        env = contractEnv(launch.root, await callArgsOf(launch), join(launch.root, launch.definitionPath), logs);
      } catch (e) {
        return { ok: false, reason: (e as Error).message };
      }
      return runProcessTask(launch, {
        file: c.file,
        // The definition path stays relative to TKR_DIR, as the contract gives it (a Tierkreis
        // worker joins it to TKR_DIR); the worker runs in its own folder, as `uv run` wants.
        args: [...c.args, launch.definitionPath],
        cwd: c.project,
        env: { ...options.env, ...env },
        logs,
        exitZeroWithoutDone: "fail",
      });
    },
  };
}

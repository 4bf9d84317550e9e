/**
 * Run one task as a child process and tell how it ended. Shared by the shell, stdin/stdout and
 * Node executors.
 *
 * `child_process.spawn` without a shell, not execa: stdout/stderr go straight to files by file
 * descriptor (nothing flows through the controller), the child gets its own process group so a
 * timeout or an abort kills the launcher *and* the program it started, and there is no extra
 * layer per task (the benchmark launches 1,000 of them). Waiting is the child's `close` event.
 */
import { spawn } from "node:child_process";
import { open, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import type { TaskLaunch, TaskResult } from "../executor.js";
import { exists, tail } from "../run-files.js";

export interface ProcessTask {
  readonly file: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** File given on stdin (default: nothing). */
  readonly stdin?: string;
  /** File stdout goes to (truncated), default the workflow `logs` (appended). */
  readonly stdout?: string;
  /** File stdout is appended to when `stdout` is not set. */
  readonly logs?: string;
  /**
   * When the process exits 0 without `_done`: `mark` writes it (upstream's shell executor does
   * `launcher && touch _done`), `fail` fails the task (an SDK worker always marks its own).
   */
  readonly exitZeroWithoutDone: "mark" | "fail";
}

/** Grace between SIGTERM and SIGKILL when a task is stopped. */
const KILL_GRACE_MS = 2000;

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

export async function runProcessTask(launch: TaskLaunch, p: ProcessTask): Promise<TaskResult> {
  if (launch.signal.aborted) return { ok: false, reason: "not started: the run was stopped" };
  const errorsPath = join(launch.nodeDir, "errors");
  const handles: FileHandle[] = [];
  const openFile = async (path: string, flags: string) => {
    const h = await open(path, flags);
    handles.push(h);
    return h.fd;
  };
  let stdio: [number | "ignore", number | "ignore", number];
  try {
    stdio = [
      p.stdin ? await openFile(p.stdin, "r") : "ignore",
      p.stdout ? await openFile(p.stdout, "w") : p.logs ? await openFile(p.logs, "a") : "ignore",
      await openFile(errorsPath, "a"),
    ];
  } catch (e) {
    await Promise.all(handles.map((h) => h.close()));
    return { ok: false, reason: `could not open the task's files: ${(e as Error).message}` };
  }

  let timedOut = false;
  let stopped = false;
  const outcome = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((resolve) => {
    const child = spawn(p.file, p.args, { env: p.env, cwd: p.cwd, stdio, detached: true });
    let killTimer: NodeJS.Timeout | undefined;
    const stop = () => {
      killGroup(child.pid, "SIGTERM");
      killTimer ??= setTimeout(() => killGroup(child.pid, "SIGKILL"), KILL_GRACE_MS);
    };
    const timer =
      launch.timeoutMs !== undefined
        ? setTimeout(() => {
            timedOut = true;
            stop();
          }, launch.timeoutMs)
        : undefined;
    const onAbort = () => {
      stopped = true;
      stop();
    };
    launch.signal.addEventListener("abort", onAbort, { once: true });
    const finish = (r: { code: number | null; signal: NodeJS.Signals | null; error?: Error }) => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      launch.signal.removeEventListener("abort", onAbort);
      resolve(r);
    };
    child.once("error", (error) => finish({ code: null, signal: null, error }));
    // `exit`, not `close`: the launcher's own exit is what counts; its stdio are files, not pipes.
    child.once("exit", (code, signal) => {
      // The launcher is done; anything it left running in its group is stopped.
      if (code !== 0) killGroup(child.pid, "SIGKILL");
      finish({ code, signal });
    });
  });
  await Promise.all(handles.map((h) => h.close()));

  const stderrTail = () => tail(errorsPath);
  if (outcome.error) {
    return { ok: false, reason: `could not start ${p.file}: ${outcome.error.message}`, stderrTail: await stderrTail() };
  }
  const written = await readErrorMarker(launch.nodeDir);
  if (timedOut) {
    return { ok: false, reason: `timed out after ${formatSeconds(launch.timeoutMs!)}`, stderrTail: await stderrTail() };
  }
  if (stopped) return { ok: false, reason: "stopped: the run was stopped", stderrTail: await stderrTail() };
  if (outcome.code !== 0) {
    const how = outcome.signal ? `killed by signal ${outcome.signal}` : `exited with status ${outcome.code}`;
    return { ok: false, reason: written ? `${how}: ${written}` : how, stderrTail: await stderrTail() };
  }
  if (written !== undefined) return { ok: false, reason: written || "the task wrote _error", stderrTail: await stderrTail() };
  if (!(await exists(join(launch.nodeDir, "_done")))) {
    if (p.exitZeroWithoutDone === "fail") {
      return { ok: false, reason: "exited with status 0 without marking the task done", stderrTail: await stderrTail() };
    }
    await open(join(launch.nodeDir, "_done"), "w").then((h) => h.close());
  }
  return { ok: true };
}

async function readErrorMarker(nodeDir: string): Promise<string | undefined> {
  try {
    const h = await open(join(nodeDir, "_error"), "r");
    try {
      return (await h.readFile("utf8")).trim();
    } finally {
      await h.close();
    }
  } catch {
    return undefined;
  }
}

export function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}

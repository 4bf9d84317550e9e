/**
 * Run one task as a child process and tell how it ended. Shared by the shell, stdin/stdout and
 * Node executors.
 *
 * Processes are started through the shared bash helper (`spawner.ts`), which forks far more
 * cheaply than Node can, or with `child_process.spawn` when a request cannot go through it. Either
 * way: no shell re-reads any value, stdout/stderr go straight to files by descriptor (nothing
 * flows through the controller), the task gets its own process group so a timeout or an abort
 * stops the launcher *and* what it started, and waiting is on the exit report, not polling.
 * (execa was not used: it adds a layer per task and pipes output through the controller.)
 */
import { spawn } from "node:child_process";
import { open, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import type { TaskLaunch, TaskResult } from "../executor.js";
import { exists, tail } from "../run-files.js";
import { sharedSpawner, Spawner, type SpawnRequest } from "./spawner.js";

export interface ProcessTask {
  readonly file: string;
  readonly args: readonly string[];
  /** Added to the controller's environment. */
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  /** File given on stdin (default: nothing). */
  readonly stdin?: string;
  /** File stdout goes to (truncated), default the workflow `logs` (appended). */
  readonly stdout?: string;
  /** File stdout is appended to when `stdout` is not set. */
  readonly logs: string;
  /**
   * When the process exits 0 without `_done`: `mark` writes it (upstream's shell executor does
   * `launcher && touch _done`), `fail` fails the task (an SDK worker always marks its own).
   */
  readonly exitZeroWithoutDone: "mark" | "fail";
}

/** Grace between SIGTERM and SIGKILL when a task is stopped. */
const KILL_GRACE_MS = 2000;

/** `TW_SPAWN=node` forces Node's own spawn (for comparison and as an escape hatch). */
const useHelper = process.env.TW_SPAWN !== "node";

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

type Exit = { code: number | null; signal: NodeJS.Signals | null; error?: Error };

/** Start the process; gives its pid (when known) and how it ended. */
async function start(p: ProcessTask, errorsPath: string): Promise<{ pid: Promise<number | undefined>; exit: Promise<Exit> }> {
  const req: SpawnRequest = {
    file: p.file,
    args: p.args,
    env: p.env,
    cwd: p.cwd,
    stdin: p.stdin ?? "/dev/null",
    stdout: p.stdout ?? p.logs,
    stdoutMode: p.stdout ? "truncate" : "append",
    stderr: errorsPath,
  };
  if (useHelper && Spawner.accepts(req)) {
    const s = sharedSpawner.run(req);
    return {
      pid: s.pid.catch(() => undefined),
      exit: s.exit.catch((error: Error) => ({ code: null, signal: null, error })),
    };
  }
  const handles: FileHandle[] = [];
  const fd = async (path: string, flags: string) => {
    const h = await open(path, flags);
    handles.push(h);
    return h.fd;
  };
  try {
    const stdio: [number, number, number] = [await fd(req.stdin, "r"), await fd(req.stdout, req.stdoutMode === "truncate" ? "w" : "a"), await fd(errorsPath, "a")];
    const child = spawn(p.file, p.args, { env: { ...process.env, ...p.env }, cwd: p.cwd, stdio, detached: true });
    const exit = new Promise<Exit>((resolve) => {
      child.once("error", (error) => resolve({ code: null, signal: null, error }));
      child.once("exit", (code, signal) => resolve({ code, signal }));
    });
    return { pid: Promise.resolve(child.pid), exit: exit.finally(() => Promise.all(handles.map((h) => h.close()))) };
  } catch (error) {
    await Promise.all(handles.map((h) => h.close()));
    return { pid: Promise.resolve(undefined), exit: Promise.resolve({ code: null, signal: null, error: error as Error }) };
  }
}

export async function runProcessTask(launch: TaskLaunch, p: ProcessTask): Promise<TaskResult> {
  if (launch.signal.aborted) return { ok: false, reason: "not started: the run was stopped" };
  const errorsPath = join(launch.nodeDir, "errors");
  const proc = await start(p, errorsPath);

  let timedOut = false;
  let stopped = false;
  let killTimer: NodeJS.Timeout | undefined;
  const stop = () => {
    void proc.pid.then((pid) => killGroup(pid, "SIGTERM"));
    killTimer ??= setTimeout(() => void proc.pid.then((pid) => killGroup(pid, "SIGKILL")), KILL_GRACE_MS);
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
  const outcome = await proc.exit;
  clearTimeout(timer);
  clearTimeout(killTimer);
  launch.signal.removeEventListener("abort", onAbort);
  // The launcher is gone; anything it left running in its group is stopped.
  if (outcome.code !== 0) void proc.pid.then((pid) => killGroup(pid, "SIGKILL"));

  const stderrTail = () => tail(errorsPath);
  if (outcome.error) {
    return { ok: false, reason: `could not start ${p.file}: ${outcome.error.message}`, stderrTail: await stderrTail() };
  }
  const [written, done] = await Promise.all([readErrorMarker(launch.nodeDir), exists(join(launch.nodeDir, "_done"))]);
  if (timedOut) {
    return { ok: false, reason: `timed out after ${formatSeconds(launch.timeoutMs!)}`, stderrTail: await stderrTail() };
  }
  if (stopped) return { ok: false, reason: "stopped: the run was stopped", stderrTail: await stderrTail() };
  if (outcome.code !== 0) {
    const how = outcome.signal ? `killed by signal ${outcome.signal}` : `exited with status ${outcome.code}`;
    return { ok: false, reason: written ? `${how}: ${written}` : how, stderrTail: await stderrTail() };
  }
  if (written !== undefined) return { ok: false, reason: written || "the task wrote _error", stderrTail: await stderrTail() };
  if (!done) {
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

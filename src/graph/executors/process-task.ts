/**
 * Run one task as a child process and tell how it ended. Shared by the shell, stdin/stdout and
 * Node executors.
 *
 * Processes are started by `start-process.ts` (a process helper, or Node's spawn): no shell
 * re-reads any value, stdout/stderr go straight to files, and the task gets its own process group,
 * so a timeout or an abort stops the launcher *and* what it started (SIGTERM, SIGKILL after a
 * grace); waiting is on the exit report, not polling. When the exit is reported, what the task left
 * in its group has already been killed, so the controller writes `_error` or `_done` only once
 * nothing of the task runs any more.
 * (execa was not used: it adds a layer per task and pipes output through the controller.)
 */
import { open, readdir } from "node:fs/promises";
import { join } from "node:path";
import type { TaskLaunch, TaskResult } from "../executor.js";
import { tail } from "../file-ops.js";
import { KILL_GRACE_MS } from "./spawner.js";
import { startProcess } from "./start-process.js";
import { formatSeconds, launcherTimeout, timedOutReason, watchTask } from "./time-limit.js";

export { formatSeconds };

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
  const proc = await startProcess({
    file: p.file,
    args: p.args,
    env: p.env,
    cwd: p.cwd,
    stdin: p.stdin ?? "/dev/null",
    stdout: p.stdout ?? p.logs,
    stdoutMode: p.stdout ? "truncate" : "append",
    stderr: errorsPath,
  });

  let killTimer: NodeJS.Timeout | undefined;
  const watch = watchTask(launch, () => {
    void proc.pid.then((pid) => killGroup(pid, "SIGTERM"));
    killTimer ??= setTimeout(() => void proc.pid.then((pid) => killGroup(pid, "SIGKILL")), KILL_GRACE_MS);
  });
  const outcome = await proc.exit;
  watch.done();
  clearTimeout(killTimer);
  const timedOut = watch.timedOut();
  const stopped = watch.stopped();

  const stderrTail = () => tail(errorsPath);
  if (outcome.error) {
    return { ok: false, reason: `could not start ${p.file}: ${outcome.error.message}`, stderrTail: await stderrTail() };
  }
  const { written, done } = await markers(launch.nodeDir);
  // The launcher enforces the same limit: when it stops the task first, the reason reads the same.
  const limitReached = timedOut
    ? timedOutReason(launch.timeoutMs!)
    : outcome.code !== 0
      ? launcherTimeout(written, launch)
      : undefined;
  if (limitReached) return { ok: false, reason: limitReached, stderrTail: await stderrTail() };
  if (stopped) return { ok: false, reason: "stopped: the run was stopped", stderrTail: await stderrTail() };
  if (outcome.code !== 0) {
    const how = outcome.signal ? `killed by signal ${outcome.signal}` : `exited with status ${outcome.code}`;
    return { ok: false, reason: written ? `${how}: ${written}` : how, stderrTail: await stderrTail() };
  }
  if (written !== undefined)
    return { ok: false, reason: written || "the task wrote _error", stderrTail: await stderrTail() };
  if (!done) {
    if (p.exitZeroWithoutDone === "fail") {
      return {
        ok: false,
        reason: "exited with status 0 without marking the task done",
        stderrTail: await stderrTail(),
      };
    }
    await open(join(launch.nodeDir, "_done"), "w").then((h) => h.close());
  }
  return { ok: true };
}

/**
 * The task's `_done` and `_error`, from one listing of its folder: cheaper on the path between one
 * task's end and the next start than two lookups that fail (and throw) when a marker is absent.
 */
async function markers(nodeDir: string): Promise<{ done: boolean; written: string | undefined }> {
  const names = await readdir(nodeDir).catch(() => [] as string[]);
  return {
    done: names.includes("_done"),
    written: names.includes("_error") ? await readErrorMarker(nodeDir) : undefined,
  };
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

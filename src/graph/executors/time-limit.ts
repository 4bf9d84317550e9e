/**
 * A task's time limit, as the controller and a generated launcher share it. The controller decides
 * the limit (run-time option for the task, then for the worker, then the spec's `@timeout`, then
 * the run's default) and stops the task when it passes; it also hands the limit to the launcher in
 * `TW_TIMEOUT_SECONDS`, which the launcher uses over the `@timeout` built into it, so the two never
 * disagree. Whichever of them stops the task first, the reason reads the same.
 */
import type { TaskLaunch } from "../executor.js";

/** Seconds (a plain decimal number), or empty: no limit from the run, the launcher keeps its own. */
export const TIME_LIMIT_ENV = "TW_TIMEOUT_SECONDS";

/** Always set (empty when the run has no limit), so a value in the controller's own environment never leaks in. */
export function timeLimitEnv(launch: TaskLaunch): Record<string, string> {
  return { [TIME_LIMIT_ENV]: launch.timeoutMs === undefined ? "" : String(launch.timeoutMs / 1000) };
}

export function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}

/** The reason of a task stopped at its limit, by whichever side. */
export function timedOutReason(ms: number): string {
  return `timed out after ${formatSeconds(ms)}`;
}

/** The first line of a launcher's `_error` when it stopped the task at its limit: `<task>: timed out after 2 s[ (label)]`. */
const LAUNCHER_TIMEOUT = /^[^\n]*?: timed out after (\d+(?:\.\d+)?) s\b/;

/** The reason for a launcher's `_error` text, if it says the launcher stopped the task at its time limit. */
export function launcherTimeout(errorText: string | undefined, launch: TaskLaunch): string | undefined {
  const m = errorText === undefined ? null : LAUNCHER_TIMEOUT.exec(errorText);
  if (!m) return undefined;
  return timedOutReason(launch.timeoutMs ?? Number(m[1]) * 1000);
}

/** Why a running task was stopped, if it was: by its time limit or by the run stopping. */
export interface TaskWatch {
  readonly timedOut: () => boolean;
  readonly stopped: () => boolean;
  /** The task ended: no more stopping. */
  readonly done: () => void;
}

/**
 * Calls `stop` once the task's time limit passes or the run is stopped (its signal aborts), and
 * remembers which; every executor that runs a task in a process of its own uses this.
 */
export function watchTask(launch: TaskLaunch, stop: () => void): TaskWatch {
  let timedOut = false;
  let stopped = false;
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
  // The run may have stopped while the task was being started: an abort listener added now would
  // never fire, and the task would run on (or hang) unstopped.
  if (launch.signal.aborted) queueMicrotask(onAbort);
  else launch.signal.addEventListener("abort", onAbort, { once: true });
  return {
    timedOut: () => timedOut,
    stopped: () => stopped,
    done: () => {
      clearTimeout(timer);
      launch.signal.removeEventListener("abort", onAbort);
    },
  };
}

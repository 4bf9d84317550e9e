/**
 * Watches submitted jobs until each task's end is known. Two sources, combined:
 * - the exit-status file the job script writes (seen at once through a file-system watch where the
 *   file system reports changes, and at every poll otherwise), which says how the launcher ended;
 * - ONE batched `squeue` per poll interval for all outstanding jobs, which says what happened to a
 *   job whose launcher never got to record anything (cancelled, time limit, launch failure, node
 *   failure, vanished).
 * A scheduler that stops answering for too long fails every outstanding task instead of waiting.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync, watch, type FSWatcher } from "node:fs";
import { join } from "node:path";
import { constants as osConstants } from "node:os";
import type { TaskResult } from "../executor.js";
import type { JobStatus, SlurmCommands } from "./slurm-commands.js";
import { judge } from "./slurm-states.js";
import { EXIT_FILE, SETUP_STATUS, TIMEOUT_STATUS } from "./slurm-script.js";

export interface MonitorOptions {
  /** Interval of the batched scheduler query. */
  readonly pollIntervalMs: number;
  /** Fail outstanding tasks when no scheduler query has succeeded for this long. */
  readonly unresponsiveMs: number;
  /** How long a finished job may lack its exit-status file before the task fails (shared FS lag). */
  readonly exitFileGraceMs: number;
  /** Use file-system watches to notice exit-status files between polls. */
  readonly watchFiles: boolean;
  /** Called when a task is watched while none was, and when the last watched task has ended. */
  readonly onBusy?: () => void;
  readonly onIdle?: () => void;
}

/** One task in a job (or array element); an element may carry several tasks one after another. */
export interface JobWatch {
  /** Unique per watched task (its node folder). */
  readonly key: string;
  /** `123` or `123_4`. */
  readonly job: string;
  /** The id squeue is asked about: the job, or the whole array. */
  readonly queryId: string;
  readonly nodeDir: string;
  /** Where Slurm writes the job's own output, named in launch-failure messages. */
  readonly outputFile: string;
  /** Files whose tails explain a failure, first non-empty wins. */
  readonly logFiles: readonly string[];
  readonly timeoutSeconds?: number;
  readonly signal: AbortSignal;
}

interface Tracked {
  readonly watch: JobWatch;
  readonly resolve: (result: TaskResult) => void;
  readonly onAbort: () => void;
  fsWatcher?: FSWatcher;
  /** Last scheduler status seen. */
  status?: JobStatus;
  /** When the scheduler first showed the job ended while its exit file was still missing. */
  endedWithoutFileSince?: number;
}

export class JobMonitor {
  private readonly tracked = new Map<string, Tracked>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private lastAnswer = Date.now();
  private lastProblem = "";
  private pendingCancels: { tracked: Tracked; reason: string }[] = [];
  private cancelFlush: Promise<void> | undefined;

  constructor(
    private readonly commands: SlurmCommands,
    private readonly options: MonitorOptions,
  ) {}

  /** Ids of jobs still being watched (pending or running as far as we know). */
  outstanding(): string[] {
    return [...new Set([...this.tracked.values()].map((t) => t.watch.job))];
  }

  /** Watch a submitted job; resolves once, when the task's end is known. */
  watch(watch: JobWatch): Promise<TaskResult> {
    return new Promise((resolve) => {
      if (this.tracked.size === 0) {
        this.lastAnswer = Date.now();
        this.options.onBusy?.();
      }
      const onAbort = () => this.cancel(watch.key, "stopped: the run was stopped");
      const tracked: Tracked = { watch, resolve, onAbort };
      this.tracked.set(watch.key, tracked);
      if (watch.signal.aborted) return onAbort();
      watch.signal.addEventListener("abort", onAbort, { once: true });
      if (this.options.watchFiles) this.watchExitFile(tracked);
      // The launcher may already have finished (a fast task, or a file system without events).
      this.checkExitFile(tracked, false);
      this.schedule();
    });
  }

  /**
   * scancel a watched job and end its task with `reason`. Cancels requested in the same turn of the
   * event loop (an aborted run with many jobs) go to Slurm as one scancel. Resolves when scancel
   * has answered, so a caller that awaits it knows the job is no longer pending or running.
   */
  cancel(key: string, reason: string): Promise<void> {
    const tracked = this.tracked.get(key);
    if (!tracked) return this.cancelFlush ?? Promise.resolve();
    this.untrack(tracked);
    this.pendingCancels.push({ tracked, reason });
    this.cancelFlush ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.flushCancels());
    return this.cancelFlush;
  }

  /** Cancel every outstanding job (executor closing, or the run failing). */
  async cancelAll(reason: string): Promise<void> {
    await Promise.all([...this.tracked.keys()].map((key) => this.cancel(key, reason)));
    // Cancels already queued by aborted launches finish before this resolves, too.
    await this.cancelFlush;
  }

  private async flushCancels(): Promise<void> {
    const batch = this.pendingCancels;
    this.pendingCancels = [];
    this.cancelFlush = undefined;
    let problem: string | undefined;
    try {
      problem = await this.commands.cancel([...new Set(batch.map((c) => c.tracked.watch.job))]);
    } catch (error) {
      problem = (error as Error).message;
    }
    for (const { tracked, reason } of batch) {
      const note = problem ? ` (and Slurm job ${tracked.watch.job} may still be running: ${problem})` : "";
      tracked.resolve({ ok: false, reason: reason + note, ...this.tail(tracked.watch) });
    }
  }

  private untrack(tracked: Tracked): void {
    this.tracked.delete(tracked.watch.key);
    tracked.watch.signal.removeEventListener("abort", tracked.onAbort);
    tracked.fsWatcher?.close();
    if (this.tracked.size === 0) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.options.onIdle?.();
    }
  }

  private finish(tracked: Tracked, result: TaskResult): void {
    if (this.tracked.get(tracked.watch.key) !== tracked) return;
    this.untrack(tracked);
    tracked.resolve(result);
  }

  private watchExitFile(tracked: Tracked): void {
    try {
      tracked.fsWatcher = watch(tracked.watch.nodeDir, { persistent: false }, (_event, name) => {
        if (name === EXIT_FILE) this.checkExitFile(tracked, false);
      });
      tracked.fsWatcher.on("error", () => tracked.fsWatcher?.close());
    } catch {
      // No watch (folder missing, or no inotify): polling still finds the file.
    }
  }

  /**
   * Finish the task if its exit-status file is there. A failure is left for the next poll
   * (`final` false), so the scheduler can say whether a cancel or time limit caused it; success
   * ends the task at once.
   */
  private checkExitFile(tracked: Tracked, final: boolean): boolean {
    const status = readExitStatus(tracked.watch.nodeDir);
    if (status === undefined) return false;
    if (status !== 0 && !final) return false;
    this.finish(tracked, this.resultFromExit(tracked, status));
    return true;
  }

  private resultFromExit(tracked: Tracked, status: number): TaskResult {
    const { watch } = tracked;
    const marker = readErrorMarker(watch.nodeDir);
    if (status === 0 && marker === undefined) return { ok: true };
    const scheduler = tracked.status && judge(watch.job, tracked.status, watch.outputFile);
    // The scheduler's word wins: a launcher stopped by scancel or the time limit exits non-zero
    // (or writes _error about the SIGTERM) only as a consequence.
    if (scheduler?.kind === "fail") return { ok: false, reason: scheduler.reason, ...this.tail(watch) };
    const job = `(Slurm job ${watch.job})`;
    let reason: string;
    if (status === 0) reason = `${marker || "the task wrote _error"} ${job}`;
    // The job script could not set up (modules, launch tool): its reason is the whole story.
    else if (status === SETUP_STATUS && marker) return { ok: false, reason: `${marker} ${job}`, ...this.tail(watch) };
    else if (status === TIMEOUT_STATUS && watch.timeoutSeconds !== undefined) {
      reason = `timed out after ${formatSeconds(watch.timeoutSeconds)} ${job}`;
    } else if (status > 128) reason = `killed by signal ${signalName(status - 128)} ${job}`;
    else reason = `exited with status ${status} ${job}`;
    if (marker && status !== 0) reason += `: ${marker}`;
    return { ok: false, reason, ...this.tail(watch) };
  }

  private tail(watch: JobWatch): { stderrTail?: string } {
    for (const file of watch.logFiles) {
      const text = readTail(file);
      if (text) return { stderrTail: text };
    }
    return {};
  }

  private schedule(): void {
    if (this.timer || this.polling || this.tracked.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.poll();
    }, this.options.pollIntervalMs);
  }

  private async poll(): Promise<void> {
    this.polling = true;
    try {
      await this.pollOnce();
    } finally {
      this.polling = false;
      this.schedule();
    }
  }

  private async pollOnce(): Promise<void> {
    const ids = [...new Set([...this.tracked.values()].map((t) => t.watch.queryId))];
    if (ids.length === 0) return;
    let statuses: Map<string, JobStatus> | undefined;
    try {
      statuses = await this.commands.query(ids);
      this.lastAnswer = Date.now();
    } catch (error) {
      this.lastProblem = (error as Error).message;
    }
    const now = Date.now();
    for (const tracked of [...this.tracked.values()]) {
      if (statuses) tracked.status = statuses.get(tracked.watch.job);
      if (this.checkExitFile(tracked, true)) continue;
      if (!statuses) continue;
      const verdict = judge(tracked.watch.job, tracked.status, tracked.watch.outputFile);
      if (verdict.kind === "wait") {
        tracked.endedWithoutFileSince = undefined;
      } else if (verdict.kind === "fail") {
        if (verdict.cancel) void this.cancel(tracked.watch.key, verdict.reason);
        else this.finish(tracked, { ok: false, reason: verdict.reason, ...this.tail(tracked.watch) });
      } else {
        tracked.endedWithoutFileSince ??= now;
        if (now - tracked.endedWithoutFileSince >= this.options.exitFileGraceMs) {
          this.finish(tracked, { ok: false, reason: verdict.reason, ...this.tail(tracked.watch) });
        }
      }
    }
    if (!statuses && now - this.lastAnswer >= this.options.unresponsiveMs) {
      const seconds = Math.round((now - this.lastAnswer) / 1000);
      await this.cancelAll(`the Slurm scheduler has not answered for ${seconds} s (${this.lastProblem})`);
    }
  }

  /** Stop watching without cancelling (the executor cancels first). */
  dispose(): void {
    for (const tracked of [...this.tracked.values()]) this.untrack(tracked);
  }
}

function readExitStatus(nodeDir: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(join(nodeDir, EXIT_FILE), "utf8").trim();
  } catch {
    return undefined;
  }
  return /^\d+$/.test(text) ? Number(text) : undefined;
}

/** The `_error` marker's message ("" when it is empty), or undefined when there is none. */
function readErrorMarker(nodeDir: string): string | undefined {
  try {
    return readFileSync(join(nodeDir, "_error"), "utf8").trim().slice(0, 2000);
  } catch {
    return undefined;
  }
}

function readTail(file: string, lines = 20, bytes = 4096): string | undefined {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch {
    return undefined;
  }
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, bytes);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    const tail = buffer.toString("utf8").trimEnd().split("\n").slice(-lines).join("\n");
    return tail || undefined;
  } finally {
    closeSync(fd);
  }
}

function signalName(signal: number): string {
  const entry = Object.entries(osConstants.signals).find(([, n]) => n === signal);
  return entry ? entry[0] : String(signal);
}

/** `1.5 s`, `2 s`: as the local executors write durations. */
function formatSeconds(seconds: number): string {
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}

/**
 * One line to the scheduler, shared by every Slurm executor of a run: the Slurm commands (with
 * their bound on sbatch processes at once), ONE squeue poller for all outstanding jobs, and the
 * guard that cancels them when the process is stopped. Two executors with queues of their own
 * would each poll squeue every interval; the worker pool gives all its Slurm entries one queue.
 */
import { join } from "node:path";
import { SlurmCommands } from "./slurm-commands.js";
import { ExitGuard } from "./slurm-exit-guard.js";
import { JobMonitor } from "./slurm-monitor.js";

export interface SlurmQueueOptions {
  /** Interval of the one batched scheduler query for all outstanding jobs (default 1000 ms). */
  readonly pollIntervalMs?: number;
  /** Fail outstanding tasks when squeue has not answered for this long (default 60 000 ms). */
  readonly unresponsiveMs?: number;
  /** Give up on a single sbatch/squeue/scancel call after this long (default 30 000 ms). */
  readonly commandTimeoutMs?: number;
  /** sbatch processes running at once (default 8); more submissions wait their turn. */
  readonly maxConcurrentSubmissions?: number;
  /** How long a finished job may lack its exit-status file (shared FS lag; default 5000 ms). */
  readonly exitFileGraceMs?: number;
  /** Notice exit-status files through file-system events between polls (default true). */
  readonly watchFiles?: boolean;
  /** Folder holding sbatch, squeue and scancel; default: found on PATH. */
  readonly slurmBin?: string;
  /**
   * Cancel outstanding jobs (synchronously) if the process gets SIGINT, SIGTERM or SIGHUP or exits
   * while they run (default true). See slurm-exit-guard.ts.
   */
  readonly cancelOnExit?: boolean;
}

/** The option names of a queue, which an executor given a shared queue must not set itself. */
export const QUEUE_OPTIONS = [
  "pollIntervalMs",
  "unresponsiveMs",
  "commandTimeoutMs",
  "maxConcurrentSubmissions",
  "exitFileGraceMs",
  "watchFiles",
  "slurmBin",
  "cancelOnExit",
] as const satisfies readonly (keyof SlurmQueueOptions)[];

export class SlurmQueue {
  readonly commands: SlurmCommands;
  readonly monitor: JobMonitor;
  private readonly guard: ExitGuard | undefined;

  constructor(options: SlurmQueueOptions = {}) {
    this.commands = new SlurmCommands({
      slurmBin: options.slurmBin,
      commandTimeoutMs: options.commandTimeoutMs ?? 30_000,
      maxConcurrentSubmissions: Math.max(1, options.maxConcurrentSubmissions ?? 8),
    });
    this.monitor = new JobMonitor(this.commands, {
      pollIntervalMs: options.pollIntervalMs ?? 1000,
      unresponsiveMs: options.unresponsiveMs ?? 60_000,
      exitFileGraceMs: options.exitFileGraceMs ?? 5000,
      watchFiles: options.watchFiles ?? true,
      onBusy: () => this.guard?.arm(),
      onIdle: () => this.guard?.disarm(),
    });
    if (options.cancelOnExit ?? true) {
      const scancel = options.slurmBin ? join(options.slurmBin, "scancel") : "scancel";
      this.guard = new ExitGuard(scancel, () => this.monitor.outstanding());
    }
  }

  /** A job was submitted: the guard covers it from now on, before it is watched. */
  submitted(): void {
    this.guard?.arm();
  }
}

/** One queue for the Slurm executors of a run (`new SlurmExecutor({ ..., queue })`). */
export function slurmQueue(options: SlurmQueueOptions = {}): SlurmQueue {
  return new SlurmQueue(options);
}

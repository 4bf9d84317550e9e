/**
 * Jobs must not outlive the program that submitted them. A run that fails or is stopped through
 * its AbortSignal cancels its jobs the ordinary way; this guard covers the rest: the user pressing
 * Ctrl-C (SIGINT), a SIGTERM or SIGHUP, or the process exiting (process.exit, a test runner tearing
 * down) while jobs are outstanding. Cancelling there must be synchronous, so it runs scancel with
 * execFileSync. Signals keep their usual effect: when no one else listens for the signal, the
 * guard re-raises it after cancelling, so the process still ends as it would have.
 */
import { execFileSync } from "node:child_process";

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

export class ExitGuard {
  private armed = false;
  private readonly onSignal = (signal: NodeJS.Signals) => {
    this.cancelNow();
    this.disarm();
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  private readonly onExit = () => this.cancelNow();

  constructor(
    /** The scancel command (path or name on PATH). */
    private readonly scancel: string,
    /** Jobs (and array elements) to cancel: those still pending or running. */
    private readonly outstanding: () => readonly string[],
  ) {}

  arm(): void {
    if (this.armed) return;
    this.armed = true;
    for (const signal of SIGNALS) process.on(signal, this.onSignal);
    process.on("exit", this.onExit);
  }

  disarm(): void {
    if (!this.armed) return;
    this.armed = false;
    for (const signal of SIGNALS) process.removeListener(signal, this.onSignal);
    process.removeListener("exit", this.onExit);
  }

  private cancelNow(): void {
    const jobs = this.outstanding();
    if (jobs.length === 0) return;
    try {
      execFileSync(this.scancel, [...jobs], { stdio: "ignore", timeout: 10_000 });
      process.stderr.write(`typespec-workers: cancelled Slurm jobs ${jobs.join(", ")}\n`);
    } catch (error) {
      process.stderr.write(
        `typespec-workers: could not cancel Slurm jobs ${jobs.join(", ")} (${(error as Error).message}); cancel them with scancel\n`,
      );
    }
  }
}

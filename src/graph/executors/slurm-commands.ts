/**
 * The three Slurm client commands the executor uses (sbatch, squeue, scancel), run as child
 * processes without a shell, with their failures turned into sentences a user can act on.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";

export interface SlurmCommandOptions {
  /** Folder holding the Slurm commands; default: found on PATH. */
  readonly slurmBin?: string;
  /** Give up on one command after this long (a scheduler that hangs instead of failing). */
  readonly commandTimeoutMs: number;
  /** sbatch processes at once: a fan-out of thousands must not start thousands of them. */
  readonly maxConcurrentSubmissions: number;
}

/** Scheduler's view of one job (or one array element). */
export interface JobStatus {
  /** `123`, or `123_4` for an array element. */
  readonly id: string;
  /** Slurm state name, e.g. `PENDING`, `RUNNING`, `COMPLETED`, `TIMEOUT`. */
  readonly state: string;
  /** Slurm's reason for the state, e.g. `Resources`, `JobLaunchFailure`, `None`. */
  readonly reason: string;
  /** The job's time limit as squeue prints it, e.g. `1:00`, `UNLIMITED`. */
  readonly limit: string;
}

export class SlurmCommandError extends Error {
  constructor(
    message: string,
    /** The command was not found: Slurm's client tools are not installed or not on PATH. */
    readonly missing: boolean,
  ) {
    super(message);
  }
}

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export class SlurmCommands {
  private submitting = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly options: SlurmCommandOptions) {}

  private path(command: string): string {
    return this.options.slurmBin ? join(this.options.slurmBin, command) : command;
  }

  private exec(command: string, args: readonly string[]): Promise<Outcome> {
    const file = this.path(command);
    return new Promise((resolve, reject) => {
      execFile(
        file,
        args,
        { timeout: this.options.commandTimeoutMs, maxBuffer: 64 * 1024 * 1024, killSignal: "SIGKILL" },
        (error, stdout, stderr) => {
          if (!error) return resolve({ code: 0, stdout, stderr });
          const e = error as NodeJS.ErrnoException & { code?: number | string; killed?: boolean };
          if (e.code === "ENOENT") {
            const where = this.options.slurmBin ? `in ${this.options.slurmBin}` : "on PATH";
            return reject(
              new SlurmCommandError(`${command} not found ${where}: is Slurm's client (slurm-client) installed?`, true),
            );
          }
          if (e.killed) {
            return reject(
              new SlurmCommandError(
                `${command} gave no answer within ${this.options.commandTimeoutMs / 1000} s`,
                false,
              ),
            );
          }
          if (typeof e.code === "number") return resolve({ code: e.code, stdout, stderr });
          reject(new SlurmCommandError(`${command} could not run: ${e.message}`, false));
        },
      );
    });
  }

  /** Submit a batch script; resolves the job id, rejects with Slurm's own reason. */
  async submit(script: string): Promise<string> {
    // A slot is handed straight from a finished submission to the next waiting one.
    if (this.submitting < this.options.maxConcurrentSubmissions) this.submitting++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    let out: Outcome;
    try {
      out = await this.exec("sbatch", ["--parsable", script]);
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.submitting--;
    }
    const id = out.stdout.trim().split(";")[0] ?? "";
    if (out.code !== 0 || !/^\d+$/.test(id)) {
      throw new SlurmCommandError(`Slurm rejected the job at submission: ${slurmMessage(out)}`, false);
    }
    return id;
  }

  /**
   * One batched query for many jobs: `squeue -t all` lists finished jobs too (for `MinJobAge`
   * seconds); `-r` gives each array element its own line, pending ones included. A job the
   * scheduler no longer knows is simply absent from the result.
   */
  async query(ids: readonly string[]): Promise<Map<string, JobStatus>> {
    const result = new Map<string, JobStatus>();
    if (ids.length === 0) return result;
    // squeue fails on a lone unknown id ("Invalid job id specified") but skips unknown ids in a
    // list, so repeating the id turns that error into an empty answer.
    const list = ids.length === 1 ? [ids[0], ids[0]] : ids;
    const out = await this.exec("squeue", ["-h", "-r", "-t", "all", "-j", list.join(","), "-o", "%i|%T|%r|%l"]);
    if (out.code !== 0) throw new SlurmCommandError(`squeue failed: ${slurmMessage(out)}`, false);
    for (const line of out.stdout.split("\n")) {
      const [id, state, reason, limit] = line.trim().split("|");
      if (id && state) result.set(id, { id, state, reason: reason ?? "", limit: limit ?? "" });
    }
    return result;
  }

  /** Cancel jobs or array elements (`123`, `123_4`); resolves Slurm's complaint, if any. */
  async cancel(ids: readonly string[]): Promise<string | undefined> {
    if (ids.length === 0) return undefined;
    const out = await this.exec("scancel", [...ids]);
    return out.code === 0 ? undefined : `scancel failed: ${slurmMessage(out)}`;
  }
}

/** Slurm's error lines without the `sbatch: error: ` prefixes, joined into one sentence. */
function slurmMessage(out: Outcome): string {
  const lines = (out.stderr || out.stdout)
    .split("\n")
    .map((line) => line.replace(/^\w+: error: /, "").trim())
    .filter(Boolean);
  return lines.length > 0 ? lines.join("; ") : `exit status ${out.code}, no message`;
}

/**
 * Runs tasks as Slurm batch jobs: each task (or each element of a `map`, as one job array) gets a
 * job script that runs the worker's launcher with the task's definition path, on the shared file
 * system that holds the checkpoints. See `slurm-monitor.ts` for how completion is detected and
 * `slurm-resources.ts` for where resource requests come from.
 */
import { accessSync, constants, mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Executor, TaskLaunch, TaskResult } from "../executor.js";
import { SlurmCommandError, SlurmCommands } from "./slurm-commands.js";
import { contractEnvironment } from "./slurm-env.js";
import { ExitGuard } from "./slurm-exit-guard.js";
import { JobMonitor, type JobWatch } from "./slurm-monitor.js";
import {
  backstopTime,
  mergeResources,
  readSpecResources,
  resourceOptions,
  resourceProblems,
  type SlurmResources,
} from "./slurm-resources.js";
import {
  checkPathWord,
  EXIT_FILE,
  JOB_ENV,
  JOB_SCRIPT,
  renderArrayJob,
  renderSingleJob,
  renderTaskEnv,
  STDERR_FILE,
  STDOUT_FILE,
  type ScriptCommon,
} from "./slurm-script.js";

export type { SlurmResources } from "./slurm-resources.js";

export interface SlurmExecutorOptions {
  /** Folder of the workers' launchers: `<workersDir>/<worker>/main.sh` (or `<workersDir>/<worker>`). */
  readonly workersDir: string;
  /** Resources for every task, overridden by the spec's `@resources` and the entries below. */
  readonly defaults?: SlurmResources;
  /** Resources per worker, by worker name; override the spec's `@resources`. */
  readonly workers?: Readonly<Record<string, SlurmResources>>;
  /** Resources per task, keyed `worker.task`; override everything else. */
  readonly tasks?: Readonly<Record<string, SlurmResources>>;
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
  /** Extra environment the job script exports for the launcher (besides `TKR_DIR`). */
  readonly env?: Readonly<Record<string, string>>;
  /** Submit `runMany` as job arrays (default true); false submits one job per task. */
  readonly arrays?: boolean;
  /** Largest job array to submit; bigger fan-outs become several arrays (default 1000). */
  readonly maxArraySize?: number;
  /** At most this many elements of one array run at once (`--array=0-N%limit`). */
  readonly arrayThrottle?: number;
  /**
   * Tasks each array element runs one after another (default 1). Slurm starts jobs about once a
   * second per free slot, so packing many short tasks into one element cuts that overhead; tasks
   * packed together share their element's fate when it is cancelled or hits Slurm's time limit.
   */
  readonly tasksPerArrayElement?: number;
  /**
   * Cancel outstanding jobs (synchronously) if the process gets SIGINT, SIGTERM or SIGHUP or exits
   * while they run (default true). See slurm-exit-guard.ts.
   */
  readonly cancelOnExit?: boolean;
  /** Told each job id after submission (logging, tests). */
  readonly onSubmit?: (jobId: string, launches: readonly TaskLaunch[]) => void;
}

/** A launch checked and turned into what a job script needs, or the reason it cannot run. */
type Prepared =
  | { readonly ok: true; readonly common: ScriptCommon; readonly taskEnv: Record<string, string> }
  | { readonly ok: false; readonly reason: string };

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Same words as the local executors use for a task the run stopped before it started. */
const NOT_STARTED = "not started: the run was stopped";

export class SlurmExecutor implements Executor {
  private readonly commands: SlurmCommands;
  private readonly monitor: JobMonitor;
  private readonly guard: ExitGuard | undefined;
  /** Submissions in flight, so close() can wait for them and cancel what they submitted. */
  private readonly submitting = new Set<Promise<unknown>>();
  private closed = false;

  constructor(private readonly options: SlurmExecutorOptions) {
    for (const name of Object.keys(options.env ?? {})) {
      if (!ENV_NAME.test(name))
        throw new Error(`SlurmExecutor: env name ${JSON.stringify(name)} is not a valid variable name`);
    }
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

  /** Ids of the jobs (and array elements) this executor is still waiting for. */
  outstandingJobs(): string[] {
    return this.monitor.outstanding();
  }

  async run(launch: TaskLaunch): Promise<TaskResult> {
    const prepared = this.prepare(launch);
    if (!prepared.ok) return { ok: false, reason: prepared.reason };
    if (launch.signal.aborted || this.closed) return { ok: false, reason: NOT_STARTED };
    const { nodeDir } = launch;
    const script = join(nodeDir, JOB_SCRIPT);
    try {
      const job = { ...prepared.common, nodeDir, definitionPath: launch.definitionPath, taskEnv: prepared.taskEnv };
      writeFileSync(script, renderSingleJob(job));
      // A status left by an earlier attempt (a resumed run) must not end this one.
      rmSync(join(nodeDir, EXIT_FILE), { force: true });
    } catch (error) {
      return { ok: false, reason: `cannot write the Slurm job script ${script}: ${(error as Error).message}` };
    }
    const jobId = await this.submit(script, [launch]);
    if (typeof jobId !== "string") return jobId;
    return this.monitor.watch({
      key: nodeDir,
      job: jobId,
      queryId: jobId,
      nodeDir,
      outputFile: join(nodeDir, STDOUT_FILE),
      logFiles: [join(nodeDir, STDERR_FILE)],
      timeoutSeconds: prepared.common.timeoutSeconds,
      signal: this.closed ? AbortSignal.abort() : launch.signal,
    });
  }

  runMany(launches: readonly TaskLaunch[]): Promise<TaskResult>[] {
    const sameTask = launches.every((l) => l.worker === launches[0]?.worker && l.task === launches[0]?.task);
    if (this.options.arrays === false || launches.length < 2 || !sameTask) return launches.map((l) => this.run(l));
    const size = Math.max(1, this.options.maxArraySize ?? 1000);
    const results: Promise<TaskResult>[] = [];
    for (let start = 0; start < launches.length; start += size) {
      results.push(...this.runArray(launches.slice(start, start + size)));
    }
    return results;
  }

  /** Cancel every job still pending or running, and stop watching. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.submitting]);
    // Let tasks whose submission just finished register (and cancel themselves, as closed).
    await new Promise((resolve) => setImmediate(resolve));
    await this.monitor.cancelAll("stopped: the executor was closed");
    this.monitor.dispose();
    this.guard?.disarm();
  }

  private runArray(launches: readonly TaskLaunch[]): Promise<TaskResult>[] {
    const settle: ((result: TaskResult) => void)[] = [];
    const results = launches.map((_, i) => new Promise<TaskResult>((resolve) => (settle[i] = resolve)));
    void this.submitArray(launches, settle).catch((error: unknown) => {
      const reason = `job array submission failed: ${(error as Error).message}`;
      settle.forEach((resolve) => resolve({ ok: false, reason }));
    });
    return results;
  }

  private async submitArray(
    launches: readonly TaskLaunch[],
    settle: readonly ((result: TaskResult) => void)[],
  ): Promise<void> {
    const per = Math.max(1, Math.floor(this.options.tasksPerArrayElement ?? 1));
    // Tasks that cannot run end at once; the others share one array.
    const members: { launch: TaskLaunch; index: number }[] = [];
    let common: ScriptCommon | undefined;
    launches.forEach((launch, index) => {
      const prepared = this.prepare(launch, per);
      if (!prepared.ok) return settle[index]!({ ok: false, reason: prepared.reason });
      if (launch.signal.aborted || this.closed) {
        return settle[index]!({ ok: false, reason: NOT_STARTED });
      }
      try {
        writeFileSync(join(launch.nodeDir, JOB_ENV), renderTaskEnv(prepared.taskEnv));
        rmSync(join(launch.nodeDir, EXIT_FILE), { force: true });
      } catch (error) {
        return settle[index]!({ ok: false, reason: `cannot prepare the Slurm job: ${(error as Error).message}` });
      }
      common ??= prepared.common;
      members.push({ launch, index });
    });
    if (!common || members.length === 0) return;
    const first = members[0]!.launch;
    const arrayDir = join(first.root, first.workflowId, "_slurm", `${first.worker}.${first.task}@${first.loc}`);
    const listFile = join(arrayDir, "list");
    const script = join(arrayDir, JOB_SCRIPT);
    mkdirSync(arrayDir, { recursive: true });
    writeFileSync(listFile, members.map((m) => `${m.launch.nodeDir}\t${m.launch.definitionPath}\n`).join(""));
    writeFileSync(
      script,
      renderArrayJob({
        ...common,
        jobName: `${first.worker}.${first.task}`,
        arrayDir,
        listFile,
        tasks: members.length,
        tasksPerElement: per,
        throttle: this.options.arrayThrottle,
      }),
    );
    const jobId = await this.submit(
      script,
      members.map((m) => m.launch),
    );
    if (typeof jobId !== "string") {
      for (const m of members) settle[m.index]!(jobId);
      return;
    }
    members.forEach(({ launch, index }, position) => {
      const element = Math.floor(position / per);
      const watch: JobWatch = {
        key: launch.nodeDir,
        job: `${jobId}_${element}`,
        queryId: jobId,
        nodeDir: launch.nodeDir,
        outputFile: join(arrayDir, `slurm-${element}.out`),
        logFiles: [join(launch.nodeDir, STDERR_FILE), join(arrayDir, `slurm-${element}.out`)],
        timeoutSeconds: common!.timeoutSeconds,
        signal: this.closed ? AbortSignal.abort() : launch.signal,
      };
      void this.monitor.watch(watch).then(settle[index]);
    });
  }

  /** sbatch a script; the job id, or the failed result for the tasks it carries. */
  private async submit(script: string, launches: readonly TaskLaunch[]): Promise<string | TaskResult> {
    const pending = this.commands.submit(script);
    this.submitting.add(pending);
    try {
      const jobId = await pending;
      this.guard?.arm();
      this.options.onSubmit?.(jobId, launches);
      return jobId;
    } catch (error) {
      const message = (error as Error).message;
      const what = error instanceof SlurmCommandError && error.missing ? "cannot submit to Slurm" : "not submitted";
      return { ok: false, reason: `${what}: ${message}` };
    } finally {
      this.submitting.delete(pending);
    }
  }

  /**
   * Everything about a launch that can be wrong before Slurm sees it, checked up front.
   * `tasksPerJob` tasks run one after another in the job (array packing), which scales the
   * Slurm time backstop.
   */
  private prepare(launch: TaskLaunch, tasksPerJob = 1): Prepared {
    const key = `${launch.worker}.${launch.task}`;
    let spec: SlurmResources | undefined;
    try {
      spec = readSpecResources(this.options.workersDir, launch.worker, launch.task);
    } catch (error) {
      return { ok: false, reason: (error as Error).message };
    }
    const resources = mergeResources({
      defaults: this.options.defaults,
      spec,
      worker: this.options.workers?.[launch.worker],
      task: this.options.tasks?.[key],
    });
    const problems = resourceProblems(resources);
    for (const [what, path] of [
      ["checkpoints root", launch.root],
      ["node folder", launch.nodeDir],
    ] as const) {
      const problem = checkPathWord(what, path);
      if (problem) problems.push(problem);
    }
    if (/[\x00-\x1f\x7f]/.test(launch.definitionPath)) problems.push(`definition path holds a control character`);
    if (problems.length > 0) return { ok: false, reason: `invalid Slurm request for ${key}: ${problems.join("; ")}` };

    const launcher = findLauncher(this.options.workersDir, launch.worker);
    if (!launcher.ok) return launcher;
    let taskEnv: Record<string, string>;
    try {
      taskEnv = contractEnvironment(launch);
    } catch (error) {
      return { ok: false, reason: (error as Error).message };
    }
    const timeoutSeconds = launch.timeoutMs !== undefined ? Math.max(0.001, launch.timeoutMs / 1000) : undefined;
    const options = resourceOptions(resources);
    if (resources.time === undefined && launch.timeoutMs !== undefined) {
      options.push(`--time=${backstopTime(launch.timeoutMs * tasksPerJob)}`);
    }
    return {
      ok: true,
      common: {
        jobName: `${key}@${launch.loc}`,
        root: launch.root,
        launcher: launcher.path,
        viaBash: !launcher.executable,
        options,
        timeoutSeconds,
        env: this.options.env,
      },
      taskEnv,
    };
  }
}

/** Same as `new SlurmExecutor(options)`, in the style of the other executors' factories. */
export function slurmExecutor(options: SlurmExecutorOptions): SlurmExecutor {
  return new SlurmExecutor(options);
}

/** The contract's lookup: `<dir>/<worker>` if it is a file, else `<dir>/<worker>/main.sh`. */
function findLauncher(
  workersDir: string,
  worker: string,
): { ok: true; path: string; executable: boolean } | { ok: false; reason: string } {
  const direct = join(workersDir, worker);
  const main = join(direct, "main.sh");
  for (const path of [direct, main]) {
    try {
      if (!statSync(path).isFile()) continue;
    } catch {
      continue;
    }
    let executable = true;
    try {
      accessSync(path, constants.X_OK);
    } catch {
      executable = false;
    }
    return { ok: true, path, executable };
  }
  return { ok: false, reason: `no launcher for worker ${worker}: neither ${direct} nor ${main} is a file` };
}

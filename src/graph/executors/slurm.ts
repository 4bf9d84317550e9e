/**
 * Runs tasks as Slurm batch jobs: each task (or each element of a `map`, as one job array) gets a
 * job script that runs the worker's launcher with the task's definition path, on the shared file
 * system that holds the checkpoints. See `slurm-monitor.ts` for how completion is detected and
 * `slurm-resources.ts` for where resource requests come from.
 */
import { closeSync, mkdirSync, openSync, readSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Executor, TaskLaunch, TaskResult } from "../executor.js";
import { findWorkerFile, isExecutable, launcherCandidates, WorkerNotFoundError } from "./find-worker.js";
import { SlurmCommandError } from "./slurm-commands.js";
import { contractEnvironment } from "./slurm-env.js";
import type { JobWatch } from "./slurm-monitor.js";
import { QUEUE_OPTIONS, SlurmQueue, type SlurmQueueOptions } from "./slurm-queue.js";
import { nativeCodecEnv } from "./native-codec.js";
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
export { SlurmQueue, slurmQueue, type SlurmQueueOptions } from "./slurm-queue.js";

export interface SlurmExecutorOptions extends SlurmQueueOptions {
  /** Folder of the workers' launchers: `<workersDir>/<worker>/main.sh` (or `<workersDir>/<worker>`). */
  readonly workersDir: string;
  /** Resources for every task, overridden by the spec's `@resources` and the entries below. */
  readonly defaults?: SlurmResources;
  /** Resources per worker, by worker name; override the spec's `@resources`. */
  readonly workers?: Readonly<Record<string, SlurmResources>>;
  /** Resources per task, keyed `worker.task`; override everything else. */
  readonly tasks?: Readonly<Record<string, SlurmResources>>;
  /**
   * The scheduler line shared with the run's other Slurm executors (one squeue poller for all);
   * its options (the poll interval and the others of `SlurmQueueOptions`) are then the queue's.
   * Without it the executor makes a queue of its own from those options.
   */
  readonly queue?: SlurmQueue;
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
  private readonly queue: SlurmQueue;
  private readonly ownQueue: boolean;
  /** This executor's watched tasks (node folder -> job), for close() and outstandingJobs(). */
  private readonly mine = new Map<string, string>();
  /** Submissions in flight, so close() can wait for them and cancel what they submitted. */
  private readonly submitting = new Set<Promise<unknown>>();
  private closed = false;

  constructor(private readonly options: SlurmExecutorOptions) {
    for (const name of Object.keys(options.env ?? {})) {
      if (!ENV_NAME.test(name))
        throw new Error(`SlurmExecutor: env name ${JSON.stringify(name)} is not a valid variable name`);
    }
    const own = QUEUE_OPTIONS.filter((name) => options[name] !== undefined);
    if (options.queue && own.length > 0) {
      throw new Error(`SlurmExecutor: ${own.join(", ")} belong to the shared queue: set them in slurmQueue({ ... })`);
    }
    this.ownQueue = !options.queue;
    this.queue = options.queue ?? new SlurmQueue(options);
  }

  /** Ids of the jobs (and array elements) this executor is still waiting for. */
  outstandingJobs(): string[] {
    return [...new Set(this.mine.values())];
  }

  async run(launch: TaskLaunch): Promise<TaskResult> {
    const prepared = this.prepare(launch, 1, await nativeCodecEnv());
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
    return this.watch({
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

  /** Cancel every job of this executor still pending or running, and stop watching them. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.submitting]);
    // Let tasks whose submission just finished register (and cancel themselves, as closed).
    await new Promise((resolve) => setImmediate(resolve));
    // Only this executor's jobs: the queue may watch other executors' too.
    await Promise.all(
      [...this.mine.keys()].map((key) => this.queue.monitor.cancel(key, "stopped: the executor was closed")),
    );
    if (this.ownQueue) this.queue.monitor.dispose();
  }

  /** Watch a submitted job through the shared queue, as one of this executor's. */
  private watch(watch: JobWatch): Promise<TaskResult> {
    this.mine.set(watch.key, watch.job);
    return this.queue.monitor.watch(watch).finally(() => this.mine.delete(watch.key));
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
    const codec = await nativeCodecEnv();
    launches.forEach((launch, index) => {
      const prepared = this.prepare(launch, per, codec);
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
      void this.watch(watch).then(settle[index]);
    });
  }

  /** sbatch a script; the job id, or the failed result for the tasks it carries. */
  private async submit(script: string, launches: readonly TaskLaunch[]): Promise<string | TaskResult> {
    const pending = this.queue.commands.submit(script);
    this.submitting.add(pending);
    try {
      const jobId = await pending;
      this.queue.submitted();
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
  private prepare(launch: TaskLaunch, tasksPerJob: number, launcherEnv: Readonly<Record<string, string>>): Prepared {
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
    const how = resources.launch ?? "direct";
    if (how !== "direct" && !isGenerated(launcher.path)) {
      return {
        ok: false,
        reason: `invalid Slurm request for ${key}: launch ${how} needs a launcher generated by typespec-workers (it starts the program with ${how}); ${launcher.path} is not one: start ${how} in it yourself and leave launch as direct`,
      };
    }
    let taskEnv: Record<string, string>;
    try {
      taskEnv = contractEnvironment(launch, launcherEnv);
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
        worker: launch.worker,
        task: launch.task,
        launch: how,
        ...(resources.modules?.length ? { modules: resources.modules } : {}),
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

const GENERATED = "# Generated by typespec-workers";
const generated = new Map<string, boolean>();

/**
 * Whether a launcher was generated by typespec-workers (its second line says so), so that it starts
 * its program as `TW_LAUNCH` says. A hand-written launcher would ignore it and run one copy: a
 * wrong result without a word.
 */
function isGenerated(path: string): boolean {
  let known = generated.get(path);
  if (known !== undefined) return known;
  const head = Buffer.alloc(512);
  let length = 0;
  try {
    const fd = openSync(path, "r");
    try {
      length = readSync(fd, head, 0, head.length, 0);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Unreadable: findLauncher's run of it will say so.
  }
  known = head.subarray(0, length).toString("utf8").split("\n")[1]?.startsWith(GENERATED) ?? false;
  generated.set(path, known);
  return known;
}

/** The contract's lookup (`launcherCandidates`), in the one folder a Slurm executor is given. */
function findLauncher(
  workersDir: string,
  worker: string,
): { ok: true; path: string; executable: boolean } | { ok: false; reason: string } {
  try {
    const path = findWorkerFile(worker, [workersDir], launcherCandidates(worker), "launcher");
    return { ok: true, path, executable: isExecutable(path) };
  } catch (e) {
    if (!(e instanceof WorkerNotFoundError)) throw e;
    const [direct, main] = launcherCandidates(worker)(workersDir);
    return { ok: false, reason: `no launcher for worker ${worker}: neither ${direct} nor ${main} is a file` };
  }
}

/**
 * The boundary between the controller and the things that run tasks (shell launchers, stdin/stdout
 * programs, TypeScript workers as processes or in-process, Slurm jobs). An executor is told where a
 * task's call args are and reports, once, how the task ended; the controller does the rest.
 */
import type { CallArgs } from "../runtime/call-args.js";
import type { TaskSignature } from "../runtime/index.js";
import type { SlurmResources } from "../contract/resources.js";
import type { WorkerImpl } from "../runtime/sdk.js";

export interface TaskLaunch {
  /** Worker name, e.g. `openssl_worker`. */
  readonly worker: string;
  /** Task name without the worker, e.g. `genrsa`. */
  readonly task: string;
  /** Node location, e.g. `-.N3` or `-.N8.M2.N2`. */
  readonly loc: string;
  /** Absolute checkpoints root (`TKR_DIR`). */
  readonly root: string;
  readonly workflowId: string;
  /** Path of the `definition` file relative to `root` (what the worker gets as its first argument). */
  readonly definitionPath: string;
  /** Absolute path of the node's folder (`<root>/<workflowId>/<loc>`). */
  readonly nodeDir: string;
  /** The task's signature from the stubs, when known. */
  readonly signature?: TaskSignature;
  /** Time limit in milliseconds, if any. */
  readonly timeoutMs?: number;
  /**
   * The call args the controller wrote to `definitionPath` (so executors need not read the file
   * back). Optional: an executor may always read the file.
   */
  readonly callArgs?: CallArgs;
  /** Aborted when the run stops (another task failed, or the user interrupted). */
  readonly signal: AbortSignal;
}

export type TaskResult =
  | { readonly ok: true }
  | {
      readonly ok: false;
      /** Why, e.g. `exited with status 3`, `killed by signal 9`, `timed out after 5 s`. */
      readonly reason: string;
      /** Last lines of the task's stderr. */
      readonly stderrTail?: string;
    };

export interface Executor {
  /** Run one task to its end. Never rejects for a task failure: it resolves `{ ok: false }`. */
  run(launch: TaskLaunch): Promise<TaskResult>;
  /**
   * Run many launches of the same worker and task together (a `map` fan-out), e.g. as one job
   * array. Optional: the controller falls back to `run` for each.
   */
  runMany?(launches: readonly TaskLaunch[]): Promise<TaskResult>[];
  /**
   * Why a task of a worker cannot run here (no program for it was found), naming what was looked
   * for; undefined when it can. Asked for each task of a graph before the run starts, so a missing
   * worker or script stops the run before anything runs. Optional.
   */
  check?(worker: string, task: string): string | undefined;
  /**
   * Whether the tasks of `worker` run inside the controller (they share the in-process concurrency
   * limit, not the one for processes); without a worker, whether any worker's may. Answered from
   * what the executor was given, without looking for programs. Optional: absent, none do.
   */
  runsInProcess?(worker?: string): boolean;
  /** Release resources (cancel outstanding jobs, stop child processes). */
  close?(): Promise<void>;
  /**
   * How `resume` recreates this executor from the run directory (kept in `_options.json`). An
   * executor without it must be given again when the run is resumed.
   */
  readonly resumeAs?: ResumableExecutor;
}

/** An executor described in JSON, so a resumed run gets the same one. */
export type ResumableExecutor = {
  readonly kind: "slurm";
  readonly workersDir: string;
  readonly defaults?: SlurmResources;
};

/**
 * What the controller is given to make executors, so the graph layer never imports the executors:
 * `run` and `resume` (src/graph/run.ts) hand it the executors layer's own.
 */
export interface ExecutorMaker {
  /** One executor for the run options' choices per worker (`executors/choose.ts`). */
  choose(
    workers: string | readonly string[] | undefined,
    choices: Readonly<Record<string, ExecutorChoice>> | undefined,
  ): Executor;
  /** The executor a resumed run gets for what an executor kept of itself (`resumeAs`). */
  recreate(stored: ResumableExecutor): Promise<Executor>;
}

/**
 * What run options name per worker: an executor kind (`executors/choose.ts` turns it into an
 * executor), an executor, or a TypeScript worker to call in-process.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ExecutorChoice = "auto" | "shell" | "stdio" | "node" | "python" | Executor | WorkerImpl<any>;

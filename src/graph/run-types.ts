/**
 * What a run is given and gives back: its options, the events it reports and its outcome.
 */
import type { Executor } from "./executor.js";
import type { ExecutorChoice } from "./executor.js";
import type { LayoutKind } from "./run-layout.js";

/** What happens to tasks during a run (for progress displays and logs). */
export type RunEvent =
  | { readonly type: "run-started"; readonly runDir: string; readonly resumed: boolean }
  | { readonly type: "task-started"; readonly loc: string; readonly task: string }
  | { readonly type: "task-done"; readonly loc: string; readonly task: string }
  /** Finished in an earlier attempt of this run directory; not run again. */
  | { readonly type: "task-cached"; readonly loc: string; readonly task: string }
  /**
   * Marked finished in an earlier attempt, but an output is missing or does not decode as its
   * declared type: it runs again. `message`: `rerunning <task> at <loc>: output <port> <reason>`.
   */
  | {
      readonly type: "task-rerun";
      readonly loc: string;
      readonly task: string;
      readonly port: string;
      readonly reason: string;
      readonly message: string;
    }
  | { readonly type: "task-failed"; readonly loc: string; readonly task: string; readonly reason: string }
  | { readonly type: "run-finished"; readonly ok: boolean };

export interface RunOptions {
  /** Checkpoints root (`TKR_DIR`); default `$TKR_DIR` or `~/.tierkreis/checkpoints`. */
  readonly root?: string;
  /** The run's folder name under the root; default a random UUID. */
  readonly workflowId?: string;
  /** Name written to `_metadata`; default the graph's name. */
  readonly name?: string;
  /** Worker registry folders, searched in order. */
  readonly workers?: string | readonly string[];
  /** Executor per worker name, plus `default` (else "auto": launcher, then built TS worker). */
  readonly executors?: Readonly<Record<string, ExecutorChoice>>;
  /** One executor for every task (overrides `executors`). */
  readonly executor?: Executor;
  /**
   * Tasks at once. Default: the number of CPUs for tasks run as processes, and
   * `IN_PROCESS_CONCURRENCY` for tasks run in-process (their cost is file latency, not CPU).
   */
  readonly concurrency?: number;
  /** Time limit in seconds for every task, unless set more precisely below or by `@timeout`. */
  readonly timeout?: number;
  /** Time limits in seconds by `<worker>.<task>` or `<worker>`; they override `@timeout` in `worker.json`. */
  readonly timeouts?: Readonly<Record<string, number>>;
  /** Continue the run directory if it exists (finished tasks are not run again). */
  readonly resume?: boolean;
  /**
   * The run directory's layout: `default`, or `tierkreis` (what upstream Tierkreis's controller
   * writes, so its `read_outputs`, resume and visualizer read the run; see docs/run-layouts.md).
   * Kept in the run directory: `resume` uses the one the run started with.
   */
  readonly layout?: LayoutKind;
  /** A loop that has not stopped after this many iterations fails (default 10,000). */
  readonly maxLoopIterations?: number;
  readonly onEvent?: (event: RunEvent) => void;
  /** Show progress on stderr: a live display on a terminal, plain lines otherwise. */
  readonly progress?: boolean;
  /** Stop the run (its tasks are stopped; it rejects). */
  readonly signal?: AbortSignal;
}

export interface RunOutcome<O> {
  readonly value: O;
  readonly workflowId: string;
  /** `<root>/<workflowId>`: the checkpoints, readable with `readResults` and `runStatus`. */
  readonly runDir: string;
  /** Tasks run now, and tasks found finished from an earlier attempt. */
  readonly tasksRun: number;
  readonly tasksCached: number;
}

/**
 * `run` and `resume` as users call them: the controller (src/graph/controller.ts) with the
 * executors of src/graph/executors. Above both, so the controller never imports an executor: it
 * is handed the choice of executors (`chooseExecutors`) and how a resumed run makes a stored one
 * again (`recreateExecutor`).
 */
import type { Graph } from "./builder.js";
import { resumeRun, startRun } from "./controller.js";
import type { ExecutorMaker } from "./executor.js";
import { chooseExecutors } from "./executors/choose.js";
import { recreateExecutor } from "./executors/recreate.js";
import type { RunOptions, RunOutcome } from "./run-types.js";

const EXECUTORS: ExecutorMaker = { choose: chooseExecutors, recreate: recreateExecutor };

/** Run a graph to its end. Rejects with `GraphInputError` before anything runs, `TaskFailedError` when a task fails. */
export function run<I, O, S extends "ports" | "value">(
  graph: Graph<I, O, S>,
  inputs: I,
  options: RunOptions = {},
): Promise<RunOutcome<O>> {
  return startRun(EXECUTORS, graph, inputs, options);
}

/**
 * Continue a run from its directory alone (graph, inputs, types and the options it started with
 * are read from it). Options given here replace the stored ones.
 */
export function resume(
  runDir: string,
  options: Omit<RunOptions, "root" | "workflowId" | "resume"> = {},
): Promise<RunOutcome<unknown>> {
  return resumeRun(EXECUTORS, runDir, options);
}

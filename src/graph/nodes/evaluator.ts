/**
 * What each node kind's evaluation is given by the controller: the run layout, the options, and
 * the controller's walk (evaluate a node or a graph, resolve a ref, fail the run). One file per
 * node kind uses it; the controller owns the walk, the memo and the run's failure.
 */
import type { TaskSignature } from "../../runtime/task.js";
import type { GraphData, ValueRef } from "../graph-data.js";
import type { FileRef, GraphPlace, RunLayout } from "../run-layout.js";
import type { RunEvent, RunOptions } from "../run-types.js";

export type { FileRef };

/** A graph being run at a location (the root `-`, an eval node, a loop iteration, a map element). */
export interface Instance extends GraphPlace {
  readonly data: GraphData;
  /** Where each graph input's value is. */
  readonly inputs: Readonly<Record<string, FileRef>>;
}

export interface Evaluator {
  readonly layout: RunLayout;
  readonly options: RunOptions;
  /** Declared tasks by `<worker>.<task>`. */
  readonly tasks: ReadonlyMap<string, TaskSignature>;
  /** False on resume: node folders may hold an earlier attempt's files. */
  readonly fresh: boolean;
  /** Aborted when the run stops (a failure or the user). */
  readonly signal: AbortSignal;
  /** The run's first failure, if any. */
  readonly failure: Error | undefined;
  emit(e: RunEvent): void;
  /** Keep the first failure; stop everything else. */
  fail(e: Error): void;
  /** Throws the run's failure once it has stopped. */
  checkAborted(): void;
  /** Run a graph instance; gives where each of its output ports' values are. */
  evalGraph(inst: Instance): Promise<Record<string, FileRef>>;
  /** Evaluate a node of an instance once (memoised by location). */
  evalNode(inst: Instance, idx: number): Promise<void>;
  /** Where the value of a ref is. */
  resolve(inst: Instance, ref: ValueRef): FileRef;
}

export function resolveAll(ev: Evaluator, inst: Instance, refs: Record<string, ValueRef>): Record<string, FileRef> {
  return Object.fromEntries(Object.entries(refs).map(([port, r]) => [port, ev.resolve(inst, r)]));
}

/**
 * A graph instance's input and output nodes. Inputs have no folder of their own in the default
 * layout: a ref to a graph input resolves to the file the input was given from, so nested graphs,
 * map elements and loop iterations need no copies of their inputs. The output node's refs are the
 * instance's outputs.
 */
import { RunError } from "../errors.js";
import type { ValueRef } from "../graph-data.js";
import type { Evaluator, FileRef, Instance } from "./evaluator.js";

/**
 * Where the value of a ref is: a graph input resolves to the file it was given from, any other
 * node's port to that node's output file.
 */
export function resolveRef(inst: Instance, [j, p]: ValueRef): FileRef {
  const node = j >= 0 ? inst.data.nodes[j] : undefined;
  const name = j === -1 ? p : node?.type === "input" ? node.name : undefined;
  if (name === undefined) return [`${inst.loc}.N${j}`, p];
  const ref = inst.inputs[name];
  if (!ref) throw new RunError(`graph at ${inst.loc}: input '${name}' is not given`);
  return ref;
}

/** Run a graph instance from its output node; gives where each of its output ports' values are. */
export async function evalGraph(ev: Evaluator, inst: Instance): Promise<Record<string, FileRef>> {
  const out = inst.data.graph_output_idx;
  const outNode = out === null ? undefined : inst.data.nodes[out];
  if (!outNode) throw new RunError(`graph at ${inst.loc} has no output node`);
  await ev.layout.startGraph(inst);
  await Promise.all(Object.values(outNode.inputs).map(([j]) => (j >= 0 ? ev.evalNode(inst, j) : undefined)));
  const outs = Object.fromEntries(Object.entries(outNode.inputs).map(([port, r]) => [port, ev.resolve(inst, r)]));
  await ev.layout.finishGraph(inst, outs);
  return outs;
}

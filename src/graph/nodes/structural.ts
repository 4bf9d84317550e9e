/**
 * What the structural node kinds (eval, loop, map, if-else, const) share: their producers are
 * evaluated first, their outputs are hard links to where the values are, and a body is a graph
 * held by a const node or a value file.
 */
import { readFile } from "node:fs/promises";
import { RunError } from "../errors.js";
import {
  graphFromTree,
  inEdges,
  nodeDefText,
  parseGraphData,
  type GraphData,
  type NodeDef,
  type ValueRef,
} from "../graph-data.js";
import type { RunLayout } from "../run-layout.js";
import type { Evaluator, FileRef, Instance } from "./evaluator.js";

/** Evaluate the nodes a node reads (its inputs, and its body, graph or predicate). */
export async function evalProducers(ev: Evaluator, inst: Instance, node: NodeDef): Promise<void> {
  await Promise.all(Object.values(inEdges(node)).map(([j]) => (j >= 0 ? ev.evalNode(inst, j) : undefined)));
}

/** A structural node's outputs: hard links in its own folder to where the values are, then `_done`. */
export async function finishWithLinks(
  layout: RunLayout,
  loc: string,
  node: NodeDef,
  outs: Record<string, FileRef>,
): Promise<void> {
  await layout.prepare(loc);
  await Promise.all([
    ...Object.entries(outs).map(([port, [l, p]]) => layout.linkOutput(l, p, loc, port)),
    layout.write(loc, "nodedef", nodeDefText(node)),
  ]);
  await layout.markDone(loc);
}

export async function readBool(layout: RunLayout, [l, p]: FileRef, loc: string, what: string): Promise<boolean> {
  const text = (await readFile(layout.output(l, p), "utf8")).trim();
  if (text === "true") return true;
  if (text === "false") return false;
  throw new RunError(`${loc}: the ${what} is not a boolean (got ${JSON.stringify(text.slice(0, 40))})`);
}

const parsedBodies = new WeakMap<NodeDef, GraphData>();

/** The graph a body/graph ref points at: parsed once from the const node, else read from its file. */
export async function bodyOf(ev: Evaluator, inst: Instance, ref: ValueRef): Promise<GraphData> {
  const node = ref[0] >= 0 ? inst.data.nodes[ref[0]] : undefined;
  if (node?.type === "const") {
    let g = parsedBodies.get(node);
    if (!g) parsedBodies.set(node, (g = graphFromTree(node.value)));
    return g;
  }
  const [l, p] = ev.resolve(inst, ref);
  return parseGraphData(await readFile(ev.layout.output(l, p), "utf8"));
}

/** The output ports of a body graph. */
export function outputPorts(body: GraphData): string[] {
  const outNode = body.graph_output_idx === null ? undefined : body.nodes[body.graph_output_idx];
  return Object.keys(outNode?.inputs ?? {});
}

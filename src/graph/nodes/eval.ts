/** An eval node: its graph run as an instance at the node's own location. */
import { nodeDefText, type EvalNode } from "../graph-data.js";
import { resolveAll, type Evaluator, type Instance } from "./evaluator.js";
import { bodyOf, finishWithLinks } from "./structural.js";

export async function runEval(ev: Evaluator, inst: Instance, node: EvalNode, loc: string): Promise<void> {
  const body = await bodyOf(ev, inst, node.graph);
  const inputs = resolveAll(ev, inst, node.inputs);
  const outs = await ev.evalGraph({
    loc,
    data: body,
    inputs,
    role: "eval",
    body: ev.resolve(inst, node.graph),
    nodedef: nodeDefText(node),
  });
  return finishWithLinks(ev.layout, loc, node, outs);
}

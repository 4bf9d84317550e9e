/**
 * If-else nodes. `ifelse` is lazy: only the chosen branch's producer is evaluated (its producers
 * are not evaluated ahead, see the controller). `eifelse` is eager: both branches were evaluated
 * with the node's other producers.
 */
import type { IfElseNode } from "../graph-data.js";
import type { Evaluator, Instance } from "./evaluator.js";
import { finishWithLinks, readBool } from "./structural.js";

export async function runIfElse(ev: Evaluator, inst: Instance, node: IfElseNode, loc: string): Promise<void> {
  if (node.type === "ifelse") await ev.evalNode(inst, node.pred[0]);
  const chosen = (await readBool(ev.layout, ev.resolve(inst, node.pred), loc, "predicate"))
    ? node.if_true
    : node.if_false;
  if (node.type === "ifelse") await ev.evalNode(inst, chosen[0]);
  return finishWithLinks(ev.layout, loc, node, { value: ev.resolve(inst, chosen) });
}

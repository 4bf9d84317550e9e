/**
 * A loop node: its body run as instances `<loc>.L0`, `<loc>.L1`, ... until the continue port is
 * false; each iteration gets the previous one's outputs by name, other inputs staying as given.
 */
import { RunError } from "../errors.js";
import type { LoopNode } from "../graph-data.js";
import { resolveAll, type Evaluator, type Instance } from "./evaluator.js";
import { bodyOf, finishWithLinks, outputPorts, readBool } from "./structural.js";

export async function runLoop(ev: Evaluator, inst: Instance, node: LoopNode, loc: string): Promise<void> {
  const body = await bodyOf(ev, inst, node.body);
  if (!outputPorts(body).includes(node.continue_port)) {
    throw new RunError(`${loc}: the loop body has no '${node.continue_port}' output`);
  }
  const max = ev.options.maxLoopIterations ?? 10_000;
  let inputs = resolveAll(ev, inst, node.inputs);
  for (let i = 0; ; i++) {
    if (i >= max)
      throw new RunError(`${loc}: the loop did not stop after ${max} iterations (option maxLoopIterations)`);
    const outs = await ev.evalGraph({ loc: `${loc}.L${i}`, data: body, inputs });
    if (!(await readBool(ev.layout, outs[node.continue_port]!, `${loc}.L${i}`, `'${node.continue_port}' output`))) {
      return finishWithLinks(ev.layout, loc, node, outs);
    }
    inputs = { ...inputs, ...outs };
  }
}

/**
 * A loop node: its body run as instances `<loc>.L0`, `<loc>.L1`, ... until the continue port is
 * false; each iteration gets the previous one's outputs by name, other inputs staying as given.
 * The iterations of a named loop keep their outputs, for the loop's trace.
 */
import { RunError } from "../errors.js";
import { instanceNodeDefText, type LoopNode } from "../graph-data.js";
import { BODY_PORT } from "../run-layout.js";
import { resolveAll, type Evaluator, type Instance } from "./evaluator.js";
import { bodyOf, finishWithLinks, outputPorts, readBool } from "./structural.js";

export async function runLoop(ev: Evaluator, inst: Instance, node: LoopNode, loc: string): Promise<void> {
  const body = await bodyOf(ev, inst, node.body);
  if (!outputPorts(body).includes(node.continue_port)) {
    throw new RunError(`${loc}: the loop body has no '${node.continue_port}' output`);
  }
  const max = ev.options.maxLoopIterations ?? 10_000;
  let inputs = resolveAll(ev, inst, node.inputs);
  const bodyRef = ev.resolve(inst, node.body);
  await ev.layout.startLoop(loc, node, inputs, bodyRef);
  // Each iteration's folder says what it ran, as upstream writes it: the first the loop's inputs
  // and body, the next ones the loop's inputs, replaced or added to by the body's outputs.
  const given = Object.fromEntries(Object.keys(node.inputs).map((k) => [k, [-1, k] as const]));
  const outNode = body.graph_output_idx === null ? undefined : body.nodes[body.graph_output_idx];
  const firstDef = instanceNodeDefText(node, { ...given, [BODY_PORT]: [-1, BODY_PORT] });
  const nextDef = instanceNodeDefText(node, { ...given, ...outNode?.inputs });
  const traced = !!node.name;
  for (let i = 0; ; i++) {
    if (i >= max)
      throw new RunError(`${loc}: the loop did not stop after ${max} iterations (option maxLoopIterations)`);
    const iteration = `${loc}.L${i}`;
    const outs = await ev.evalGraph({
      loc: iteration,
      data: body,
      inputs,
      role: "iteration",
      body: bodyRef,
      nodedef: i === 0 ? firstDef : nextDef,
      traced,
    });
    if (!(await readBool(ev.layout, outs[node.continue_port]!, iteration, `'${node.continue_port}' output`))) {
      return finishWithLinks(ev.layout, loc, node, outs);
    }
    inputs = { ...inputs, ...outs };
  }
}

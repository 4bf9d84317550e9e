/**
 * A map node: its body run once per element as instances `<loc>.M<e>`, where the elements are the
 * output ports of the producer of each `*` input (`0`, `1`, ...: upstream takes the number after
 * the last '-'). Its outputs are `<port>-<e>`.
 */
import { readdir } from "node:fs/promises";
import { RunError } from "../errors.js";
import { instanceNodeDefText, nodeDefText, type MapNode } from "../graph-data.js";
import { resolveAll, type Evaluator, type FileRef, type Instance } from "./evaluator.js";
import { bodyOf, outputPorts } from "./structural.js";

export async function runMap(ev: Evaluator, inst: Instance, node: MapNode, loc: string): Promise<void> {
  const { layout } = ev;
  const body = await bodyOf(ev, inst, node.body);
  const outPorts = outputPorts(body);
  const starred = Object.entries(node.inputs).filter(([, r]) => r[1] === "*");
  if (starred.length === 0) throw new RunError(`${loc}: a map needs an input with port '*'`);
  const lists = await Promise.all(
    starred.map(async ([, r]) => {
      const [l] = ev.resolve(inst, r);
      const names = (await readdir(layout.outputs(l))).filter((n) => !n.startsWith("."));
      return { loc: l, byIndex: new Map(names.map((n) => [Number(n.split("-").pop()), n])) };
    }),
  );
  const first = lists[0]!.byIndex;
  lists.forEach((l, k) => {
    if (l.byIndex.size !== first.size) {
      throw new RunError(
        `${loc}: the iterated inputs have different lengths ('${starred[0]![0]}': ${first.size}, '${starred[k]![0]}': ${l.byIndex.size})`,
      );
    }
  });
  await layout.prepare(loc);
  await layout.write(loc, "nodedef", nodeDefText(node));
  const fixed = resolveAll(ev, inst, Object.fromEntries(Object.entries(node.inputs).filter(([, r]) => r[1] !== "*")));
  const bodyRef = ev.resolve(inst, node.body);
  // Each element's folder says what it ran, as upstream writes it (its visualizer reads it).
  const nodedef = instanceNodeDefText(node, node.inputs);
  await Promise.all(
    [...first.keys()].map(async (e) => {
      const inputs: Record<string, FileRef> = { ...fixed };
      starred.forEach(([port], k) => {
        inputs[port] = [lists[k]!.loc, lists[k]!.byIndex.get(e)!];
      });
      const element = { loc: `${loc}.M${e}`, data: body, inputs, role: "element", body: bodyRef, nodedef } as const;
      const outs = await ev.evalGraph(element);
      await Promise.all(outPorts.map((p) => layout.linkOutput(outs[p]![0], outs[p]![1], loc, `${p}-${e}`)));
    }),
  );
  await layout.markDone(loc);
}

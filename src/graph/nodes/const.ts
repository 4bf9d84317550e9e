/** A const node: its value in `outputs/value`, written once. */
import { bytesOf } from "../builtins.js";
import { nodeDefText, type ConstNode } from "../graph-data.js";
import type { RunLayout } from "../run-layout.js";

export async function runConst(layout: RunLayout, node: ConstNode, loc: string): Promise<void> {
  await layout.prepare(loc);
  await Promise.all([
    layout.writeValue(loc, "value", bytesOf(node.value)),
    layout.write(loc, "nodedef", nodeDefText(node)),
  ]);
  await layout.markDone(loc);
}

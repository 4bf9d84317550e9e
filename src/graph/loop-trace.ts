/**
 * The trace of a named loop: each iteration's outputs, read from the run directory (the
 * iterations' folders `<loop>.L<i>`, found by name in `debug/`, as upstream's `read_loop_trace`
 * reads them). Values decode as upstream decodes them without types.
 */
import { readdir, readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { decodeUntyped } from "../contract/codec.js";
import { RunError } from "./errors.js";
import { iterationLoc, iterationStarted, loopLocation, loopNames, RunLayout } from "./run-layout.js";

export interface LoopTrace {
  readonly name: string;
  /** The loop node's location. */
  readonly loc: string;
  /** One entry per iteration that started, in order: its outputs by port (absent while it runs). */
  readonly iterations: readonly { readonly loc: string; readonly outputs?: Readonly<Record<string, unknown>> }[];
}

export { loopNames };

export async function readLoopTrace(runDir: string, name: string): Promise<LoopTrace> {
  const dir = resolve(runDir);
  const loc = await loopLocation(dir, name);
  if (loc === undefined) {
    const known = await loopNames(dir);
    throw new RunError(
      `${dir} has no loop named '${name}' (${known.length ? `named loops: ${known.join(", ")}` : "it has no named loop"})`,
    );
  }
  const layout = RunLayout.of(dir);
  const iterations: LoopTrace["iterations"][number][] = [];
  for (let i = 0; await iterationStarted(dir, loc, i); i++) {
    const at = iterationLoc(loc, i);
    if (!(await layout.isDone(at))) {
      iterations.push({ loc: at });
      continue;
    }
    const ports = (await readdir(layout.outputs(at))).filter((p) => !p.startsWith(".")).sort();
    const outputs: Record<string, unknown> = {};
    for (const p of ports) outputs[p] = decodeUntyped(await readFile(layout.output(at, p)));
    iterations.push({ loc: at, outputs });
  }
  return { name, loc, iterations };
}

/** One line per iteration: `<i>  <port>=<value> ...` (values as JSON), `running` while unfinished. */
export function formatLoopTrace(t: LoopTrace, show: (v: unknown) => string): string {
  const head = `loop ${t.name} at ${t.loc}: ${t.iterations.length} iteration${t.iterations.length === 1 ? "" : "s"}`;
  const lines = t.iterations.map((it, i) => {
    if (!it.outputs) return `  ${i}  running`;
    return `  ${i}  ${Object.entries(it.outputs)
      .map(([p, v]) => `${p}=${show(v)}`)
      .join("  ")}`;
  });
  return [head, ...lines].join("\n");
}

/**
 * Lays out a checkpoint folder the way a controller does before it starts a worker: producer
 * outputs in sibling node folders, the node's `definition` (call args) and an empty `outputs/`.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { serializeCallArgs, type CallArgs } from "../../src/runtime/index.js";

export const OUT_DIR = join(import.meta.dirname, "..", ".out", "runtime");

/** A fresh checkpoints root under `test/.out/runtime/`. */
export function freshRoot(prefix: string): string {
  mkdirSync(OUT_DIR, { recursive: true });
  return mkdtempSync(join(OUT_DIR, `${prefix}-`));
}

export interface TaskLayout {
  /** Path of `definition` relative to the root: the worker's first argument. */
  definitionPath: string;
  /** Absolute node folder. */
  nodeDir: string;
  args: CallArgs;
}

export interface LayoutOptions {
  workflowId?: string;
  loc?: string;
  functionName: string;
  /** Input port → bytes of the value (written as the output of a producer node), or a path to give as is. */
  inputs: Record<string, Uint8Array | string | { path: string }>;
  outputs: readonly string[];
  logs?: boolean;
}

export function layoutTask(root: string, o: LayoutOptions): TaskLayout {
  const wid = o.workflowId ?? "3f6c2a1e-0000-4000-8000-000000000001";
  const loc = o.loc ?? "-.N9";
  mkdirSync(join(root, wid), { recursive: true });
  writeFileSync(join(root, wid, "_metadata"), JSON.stringify({ name: "test", start_time: "2026-01-01T00:00:00" }));
  const inputs: Record<string, string> = {};
  Object.entries(o.inputs).forEach(([port, value], i) => {
    if (typeof value === "object" && !(value instanceof Uint8Array)) {
      inputs[port] = value.path;
      return;
    }
    const producer = `-.N${i}`;
    mkdirSync(join(root, wid, producer, "outputs"), { recursive: true });
    writeFileSync(join(root, wid, producer, "outputs", "value"), value);
    writeFileSync(join(root, wid, producer, "_done"), "");
    inputs[port] = `${wid}/${producer}/outputs/value`;
  });
  const nodeDir = join(root, wid, loc);
  mkdirSync(join(nodeDir, "outputs"), { recursive: true });
  const args: CallArgs = {
    function_name: o.functionName,
    inputs,
    outputs: Object.fromEntries(o.outputs.map((p) => [p, `${wid}/${loc}/outputs/${p}`])),
    output_dir: `${wid}/${loc}/outputs`,
    done_path: `${wid}/${loc}/_done`,
    error_path: `${wid}/${loc}/_error`,
    logs_path: o.logs === false ? null : `${wid}/logs`,
  };
  writeFileSync(join(nodeDir, "definition"), serializeCallArgs(args));
  return { definitionPath: `${wid}/${loc}/definition`, nodeDir, args };
}

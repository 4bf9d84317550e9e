/**
 * A run's values at its edges: the graph inputs encoded by their declared types before anything
 * runs, and the graph outputs decoded from the run directory.
 */
import { readdir, readFile } from "node:fs/promises";
import { decodeUntyped, decodeValue, encodeUntyped, encodeValue } from "../contract/codec.js";
import type { ValueType } from "../contract/value-type.js";
import { ANY, type GraphSignature } from "./builder.js";
import { GraphInputError, RunError } from "./errors.js";
import { RunLayout, ROOT_LOC } from "./run-layout.js";

/** A port typed as anything: its values are encoded and decoded as upstream does without types. */
/** Untyped; an empty union is how `_signature` files written before the `any` value type say it. */
export const isAny = (t: ValueType) => t.kind === "any" || (t.kind === "union" && t.of.length === 0);

export function encodeInputs(sig: GraphSignature, inputs: Record<string, unknown>): Map<string, Uint8Array> {
  const problems: string[] = [];
  const out = new Map<string, Uint8Array>();
  const given = inputs ?? {};
  if (typeof given !== "object")
    throw new GraphInputError(`graph inputs must be an object of named values, got ${typeof given}`);
  for (const [port, type] of Object.entries(sig.inputs)) {
    if (!(port in given) || given[port] === undefined) {
      problems.push(`input '${port}' is missing`);
      continue;
    }
    try {
      out.set(port, isAny(type) ? encodeUntyped(given[port]) : encodeValue(given[port], type));
    } catch (e) {
      problems.push(`input '${port}': ${(e as Error).message}`);
    }
  }
  for (const port of Object.keys(given)) if (!(port in sig.inputs)) problems.push(`unknown input '${port}'`);
  if (problems.length) throw new GraphInputError(`graph inputs rejected, nothing ran:\n  ${problems.join("\n  ")}`);
  return out;
}

function decodeOutput(bytes: Uint8Array, type: ValueType): unknown {
  return isAny(type) ? decodeUntyped(bytes) : decodeValue(bytes, type);
}

/** The graph's outputs from `-/outputs`, decoded by the declared types. */
export async function readOutputs(runDir: string, sig: GraphSignature): Promise<unknown> {
  const layout = RunLayout.of(runDir);
  const ports = Object.keys(sig.outputs).length
    ? Object.keys(sig.outputs)
    : (await readdir(layout.outputs(ROOT_LOC)).catch(() => [] as string[])).filter((n) => !n.startsWith("."));
  const values: Record<string, unknown> = {};
  for (const port of ports) {
    const bytes = await readFile(layout.output(ROOT_LOC, port)).catch(() => {
      throw new RunError(`${runDir}: the graph has not finished (no output '${port}')`);
    });
    values[port] = decodeOutput(bytes, sig.outputs[port] ?? ANY);
  }
  return sig.shape === "value" ? values.value : values;
}

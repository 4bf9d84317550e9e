/**
 * Everything the viewer shows about one node: its task, its input and output values decoded by
 * the declared types (large ones cut short, bytes as hex and size), times, executor, failure
 * reason and the tail of its stderr. Every file read is checked to lie inside the run directory.
 */
import { closeSync, openSync, readdirSync, readFileSync, readSync, realpathSync, statSync } from "node:fs";
import { join, resolve, sep } from "node:path";
import { decodeUntyped, decodeValue } from "../contract/codec.js";
import type { TaskSignature } from "../runtime/task.js";
import type { ValueType } from "../contract/value-type.js";
import { tail } from "../graph/file-ops.js";
import { executorOf, type RunModel } from "./run-model.js";

/** Values larger than this are not decoded, only their start shown. */
const DECODE_LIMIT = 256 * 1024;
/** Shown text is cut at this many characters. */
const SHOW_CHARS = 4000;
const HEX_BYTES = 256;

export interface ShownValue {
  readonly port: string;
  readonly size: number;
  readonly type?: string;
  /** Decoded value as text (JSON-like), or the start of it. */
  readonly text?: string;
  /** Bytes: hex of the first bytes. */
  readonly hex?: string;
  readonly truncated: boolean;
  /** Where the value came from (inputs): `<loc>/outputs/<port>`. */
  readonly from?: string;
  readonly error?: string;
}

export interface NodeDetail {
  readonly loc: string;
  readonly kind: string;
  readonly label: string;
  readonly state: string;
  readonly start?: number;
  readonly end?: number;
  readonly executor?: string;
  readonly reason?: string;
  readonly stderrTail?: string;
  readonly exit?: string;
  readonly inputs: readonly ShownValue[];
  readonly outputs: readonly ShownValue[];
  readonly parent?: string;
  readonly children: number;
}

/** `file` (absolute) if its real path is inside `dir`, else undefined. */
export function insideRun(dir: string, file: string): string | undefined {
  try {
    const real = realpathSync(file);
    const base = realpathSync(dir);
    return real.startsWith(base + sep) ? real : undefined;
  } catch {
    return undefined;
  }
}

/** The declared types of a run (`_signature`, written by our controller; upstream runs have none). */
export interface RunTypes {
  /** By `<worker>.<task>`. */
  readonly tasks: Map<string, TaskSignature>;
  /** The graph's outputs (the root node's ports). */
  readonly outputs: Record<string, ValueType>;
}

export function readRunTypes(dir: string): RunTypes {
  try {
    const j = JSON.parse(readFileSync(join(dir, "_signature"), "utf8")) as {
      tasks?: TaskSignature[];
      outputs?: Record<string, ValueType>;
    };
    return {
      tasks: new Map((j.tasks ?? []).map((d) => [`${d.worker}.${d.name}`, d])),
      outputs: j.outputs ?? {},
    };
  } catch {
    return { tasks: new Map(), outputs: {} };
  }
}

function describeType(t: ValueType): string {
  switch (t.kind) {
    case "int":
    case "float":
    case "string":
      return t.scalar;
    case "list":
      return `${describeType(t.of)}[]`;
    case "record":
      return `Record<${describeType(t.of)}>`;
    default:
      return "name" in t && typeof t.name === "string" && t.name ? t.name : t.kind;
  }
}

function readStart(file: string, n: number): Buffer {
  const fd = openSync(file, "r");
  try {
    const buf = Buffer.alloc(n);
    const got = readSync(fd, buf, 0, n, 0);
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

const hexOf = (b: Uint8Array) => Buffer.from(b.subarray(0, HEX_BYTES)).toString("hex").replace(/(..)/g, "$1 ").trim();

function showText(v: unknown): string {
  const big = "\u0000big:";
  return (
    JSON.stringify(
      v,
      (_k, x: unknown) => {
        if (typeof x === "bigint") return `${big}${x}`;
        if (x instanceof Uint8Array)
          return `<${x.length} bytes: ${hexOf(x.subarray(0, 32))}${x.length > 32 ? " …" : ""}>`;
        return x;
      },
      2,
    ) ?? String(v)
  ).replace(/"\\u0000big:(-?\d+)"/g, "$1");
}

/** One value file, decoded by its type where one is declared. */
export function showValue(file: string, port: string, type: ValueType | undefined): ShownValue {
  const size = statSync(file).size;
  const typeName = type ? describeType(type) : undefined;
  const base = { port, size, ...(typeName ? { type: typeName } : {}) };
  if (size > DECODE_LIMIT) {
    const head = readStart(file, SHOW_CHARS);
    const text = head.toString("utf8");
    // Not decoded: the start is shown as text when it reads as text, else as hex.
    return /[\x00-\x08\x0e-\x1f]/.test(text)
      ? { ...base, hex: hexOf(head), truncated: true }
      : { ...base, text, truncated: true };
  }
  const bytes = readFileSync(file);
  if (type?.kind === "bytes") return { ...base, hex: hexOf(bytes), truncated: bytes.length > HEX_BYTES };
  let value: unknown;
  try {
    value = type ? decodeValue(bytes, type) : decodeUntyped(bytes);
  } catch (e) {
    return {
      ...base,
      hex: hexOf(bytes),
      truncated: bytes.length > HEX_BYTES,
      error: `does not decode as ${typeName}: ${(e as Error).message}`,
    };
  }
  if (value instanceof Uint8Array) return { ...base, hex: hexOf(value), truncated: value.length > HEX_BYTES };
  const text = showText(value);
  return {
    ...base,
    text: text.slice(0, SHOW_CHARS),
    truncated: text.length > SHOW_CHARS,
  };
}

/** The file behind a node's input or output port, checked to be inside the run; undefined if none. */
export function valueFile(model: RunModel, loc: string, side: "in" | "out", port: string): string | undefined {
  if (side === "out") {
    let names: string[];
    try {
      names = readdirSync(join(model.dir, loc, "outputs"));
    } catch {
      return undefined;
    }
    // Only a name the folder holds is used, never the request's text as a path.
    const name = names.find((n) => n === port);
    return name === undefined ? undefined : insideRun(model.dir, join(model.dir, loc, "outputs", name));
  }
  const rel = callInputs(model.dir, loc)[port];
  if (typeof rel !== "string") return undefined;
  // Call args are relative to the checkpoints root, which is the run directory's parent.
  return insideRun(model.dir, resolve(model.dir, "..", rel));
}

function callInputs(dir: string, loc: string): Record<string, unknown> {
  try {
    const j = JSON.parse(readFileSync(join(dir, loc, "definition"), "utf8")) as { inputs?: Record<string, unknown> };
    return j.inputs ?? {};
  } catch {
    return {};
  }
}

export async function nodeDetail(model: RunModel, loc: string, types: RunTypes): Promise<NodeDetail | undefined> {
  const n = model.nodes.get(loc);
  if (!n) return undefined;
  const desc = n.kind === "function" ? types.tasks.get(n.label) : undefined;
  const typeOf = (ports: readonly { name: string; type: ValueType }[] | undefined, p: string) =>
    ports?.find((x) => x.name === p)?.type;
  const inputs: ShownValue[] = [];
  for (const [port, rel] of Object.entries(callInputs(model.dir, loc))) {
    const from = typeof rel === "string" ? rel.split("/").slice(1).join("/") : undefined;
    const file = valueFile(model, loc, "in", port);
    if (!file) {
      inputs.push({
        port,
        size: 0,
        truncated: false,
        ...(from ? { from } : {}),
        error: "not readable inside the run directory",
      });
      continue;
    }
    inputs.push({
      ...showValue(file, port, typeOf(desc?.inputs, port)),
      ...(from ? { from } : {}),
    });
  }
  const outputs: ShownValue[] = [];
  let outNames: string[] = [];
  try {
    outNames = readdirSync(join(model.dir, loc, "outputs")).filter((p) => !p.startsWith("."));
  } catch {
    // No outputs yet.
  }
  outNames.sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
  for (const port of outNames.slice(0, 200)) {
    const file = valueFile(model, loc, "out", port);
    if (!file) continue;
    outputs.push(showValue(file, port, loc === "-" ? types.outputs[port] : typeOf(desc?.outputs, port)));
  }
  let exit: string | undefined;
  try {
    exit = readFileSync(join(model.dir, loc, "_exit"), "utf8").trim();
  } catch {
    exit =
      /exited with status (\d+)/.exec(n.reason ?? "")?.[1] ??
      (n.state === "done" && n.kind === "function" ? "0" : undefined);
  }
  const executor = executorOf(model.dir, n);
  const stderrTail = loc === "-" ? undefined : await tail(join(model.dir, loc, "errors"), 20);
  return {
    loc,
    kind: n.kind,
    label: n.label,
    state: n.state,
    ...(n.start !== undefined ? { start: n.start } : {}),
    ...(n.end !== undefined ? { end: n.end } : {}),
    ...(executor ? { executor } : {}),
    ...(n.reason ? { reason: n.reason } : {}),
    ...(stderrTail ? { stderrTail } : {}),
    ...(exit ? { exit } : {}),
    inputs,
    outputs,
    ...(n.parent ? { parent: n.parent } : {}),
    children: n.children.length,
  };
}

/**
 * The two built-in tasks `map` needs (upstream's `builtins` worker), run inside the controller:
 * `unfold_values` writes each element of a list to its own port file `0`, `1`, ...;
 * `fold_values` collects the files matching `<port>-*` (sorted by element number) into a list.
 * Element values are moved as JSON text, so nothing is re-encoded (big integers and `2.0` stay
 * as they are). Top-level bytes elements are raw files and become `__tkr_bytes__` objects in a list.
 */
import { access, readdir, readFile } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { resolvePath, type CallArgs } from "../runtime/call-args.js";
import { JsonNumber, parseJson, type JsonTree } from "../contract/json-text.js";
import { writeFileAtomic } from "../runtime/storage.js";
import { pythonJson } from "./graph-data.js";
import { TIERKREIS_BUILTINS } from "./tierkreis-builtins.js";

export class BuiltinError extends Error {}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

function isBytesObject(t: JsonTree): t is Map<string, JsonTree> {
  return t instanceof Map && t.get("__tkr_bytes__") === true && typeof t.get("bytes") === "string";
}

/** A port file's bytes as a JSON tree: JSON if it parses, else raw bytes (as upstream decodes). */
function treeOf(bytes: Uint8Array): JsonTree {
  try {
    return parseJson(strictUtf8.decode(bytes));
  } catch {
    return new Map<string, JsonTree>([
      ["__tkr_bytes__", true],
      ["bytes", Buffer.from(bytes).toString("base64")],
    ]);
  }
}

/** A JSON tree as port file bytes: a top-level bytes object is written raw. */
export function bytesOf(tree: JsonTree): Uint8Array {
  if (isBytesObject(tree)) return Buffer.from(tree.get("bytes") as string, "base64");
  return Buffer.from(pythonJson(tree), "utf8");
}

async function unfold(root: string, args: CallArgs): Promise<void> {
  const input = args.inputs.value;
  if (input === undefined) throw new BuiltinError("unfold_values: no input 'value'");
  const tree = treeOf(await readFile(resolvePath(root, input)));
  if (!Array.isArray(tree)) throw new BuiltinError(`unfold_values: expected a list, got ${describe(tree)}`);
  const dir = resolvePath(root, args.output_dir);
  await Promise.all(tree.map((el, i) => writeFileAtomic(`${dir}/${i}`, bytesOf(el))));
}

async function fold(root: string, args: CallArgs): Promise<void> {
  const pattern = args.inputs.values_glob;
  const out = args.outputs.value;
  if (pattern === undefined || out === undefined)
    throw new BuiltinError("fold_values: needs input 'values_glob' and output 'value'");
  const abs = resolvePath(root, pattern);
  const prefix = basename(abs).replace(/\*$/, "");
  // `<port>-*` (our maps) takes the numbered elements; a bare `*` (upstream's hand-built graphs)
  // takes every file, ordered as upstream orders them: by the number after the last '-'.
  const names = (await readdir(dirname(abs))).filter(
    (n) => n.startsWith(prefix) && (prefix === "" || /^\d+$/.test(n.slice(prefix.length))),
  );
  const order = (n: string) => Number(n.slice(n.lastIndexOf("-") + 1));
  names.sort((a, b) => order(a) - order(b));
  const items = await Promise.all(names.map(async (n) => treeOf(await readFile(`${dirname(abs)}/${n}`))));
  await writeFileAtomic(resolvePath(root, out), pythonJson(items));
}

function describe(t: JsonTree): string {
  if (t === null) return "null";
  if (t instanceof JsonNumber) return "a number";
  if (t instanceof Map) return "an object";
  return typeof t === "string" ? "a string" : typeof t;
}

type CheckResult = { port: string; reason: string } | undefined;

/**
 * Why a finished built-in's outputs cannot be trusted on resume (port and reason), or
 * undefined: `unfold_values` has one file per element of its input, `fold_values` a JSON list.
 */
async function checkUnfold(root: string, args: CallArgs): Promise<CheckResult> {
  const input = args.inputs.value;
  if (input === undefined) return undefined;
  const tree = treeOf(await readFile(resolvePath(root, input)));
  if (!Array.isArray(tree)) return undefined;
  const dir = resolvePath(root, args.output_dir);
  for (let i = 0; i < tree.length; i++) {
    try {
      await access(`${dir}/${i}`);
    } catch {
      return { port: String(i), reason: "is missing" };
    }
  }
  return undefined;
}

async function checkFold(root: string, args: CallArgs): Promise<CheckResult> {
  const out = args.outputs.value;
  if (out === undefined) return undefined;
  let bytes: Uint8Array;
  try {
    bytes = await readFile(resolvePath(root, out));
  } catch {
    return { port: "value", reason: "is missing" };
  }
  return Array.isArray(treeOf(bytes)) ? undefined : { port: "value", reason: "is not a list" };
}

export const BUILTIN_CHECKS: Readonly<Record<string, (root: string, args: CallArgs) => Promise<CheckResult>>> = {
  unfold_values: checkUnfold,
  fold_values: checkFold,
};

/** Upstream's builtins worker (tierkreis-builtins.ts), with the two that `map` needs. */
export const BUILTINS: Readonly<Record<string, (root: string, args: CallArgs) => Promise<void>>> = {
  ...TIERKREIS_BUILTINS,
  unfold_values: unfold,
  fold_values: fold,
};

/**
 * The tasks of upstream Tierkreis's `builtins` worker (tierkreis/builtins/main.py), run inside the
 * controller with the same names, ports and results, so that upstream graphs calling
 * `builtins.iadd`, `builtins.igt`, `builtins.tkr_len`, ... run here. Values follow Python: ints
 * are unbounded (BigInt), `//` and `%` floor, `round` rounds half to even, an int op with a float
 * gives a float, `str(True)` is `True`. Results are written as upstream's `bytes_from_ptype` does.
 *
 * `mean` is Python's `statistics.mean`: exact, then rounded once (an int when the mean of ints is
 * whole).
 */
import { randomInt } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { join } from "node:path";
import { resolvePath, type CallArgs } from "../runtime/call-args.js";
import { JsonNumber, parseJson, pythonFloat, type JsonTree } from "../contract/json-text.js";
import { pythonJson } from "./graph-data.js";

export class TierkreisBuiltinError extends Error {}

type Num = bigint | number;
/** A task's result: one value (`value` port) or named ports (upstream's `@portmapping` results). */
type Result = { value: Value } | { ports: Record<string, Value> };
/** A Python value: JSON-like, with ints as bigint, floats as number, bytes as Uint8Array, complex as {re, im}. */
type Value =
  null | boolean | string | bigint | number | Uint8Array | Value[] | { re: number; im: number } | Map<string, Value>;

class Inputs {
  constructor(
    private readonly task: string,
    private readonly values: Record<string, Value>,
  ) {}
  get(port: string): Value {
    if (!(port in this.values)) throw new TierkreisBuiltinError(`builtins.${this.task}: no input '${port}'`);
    return this.values[port]!;
  }
  int(port: string): bigint {
    const v = this.get(port);
    if (typeof v !== "bigint") throw this.wrong(port, "an int", v);
    return v;
  }
  num(port: string): Num {
    const v = this.get(port);
    if (typeof v !== "bigint" && typeof v !== "number") throw this.wrong(port, "a number", v);
    return v;
  }
  bool(port: string): boolean {
    const v = this.get(port);
    if (typeof v !== "boolean") throw this.wrong(port, "a bool", v);
    return v;
  }
  str(port: string): string {
    const v = this.get(port);
    if (typeof v !== "string") throw this.wrong(port, "a str", v);
    return v;
  }
  list(port: string): Value[] {
    const v = this.get(port);
    if (!Array.isArray(v)) throw this.wrong(port, "a list", v);
    return v;
  }
  nums(port: string): Num[] {
    return this.list(port).map((v) => {
      if (typeof v !== "bigint" && typeof v !== "number") throw this.wrong(port, "a list of numbers", v);
      return v;
    });
  }
  wrong(port: string, expected: string, got: Value): TierkreisBuiltinError {
    return new TierkreisBuiltinError(`builtins.${this.task}: input '${port}' should be ${expected}, got ${show(got)}`);
  }
}

const value = (v: Value): Result => ({ value: v });
const ports = (p: Record<string, Value>): Result => ({ ports: p });

function arith(op: "+" | "-" | "*", a: Num, b: Num): Num {
  if (typeof a === "bigint" && typeof b === "bigint") return op === "+" ? a + b : op === "-" ? a - b : a * b;
  const [x, y] = [Number(a), Number(b)];
  return op === "+" ? x + y : op === "-" ? x - y : x * y;
}

function compare(a: Num, b: Num): number {
  if (typeof a === "bigint" && typeof b === "bigint") return a < b ? -1 : a > b ? 1 : 0;
  const [x, y] = [Number(a), Number(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}

function zeroCheck(task: string, b: Num): void {
  if (b === 0n || b === 0) throw new TierkreisBuiltinError(`builtins.${task}: division by zero`);
}

/** Python's `//` on ints: rounds toward negative infinity. */
function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/** Python's `%` on ints: the sign of the divisor. */
function floorMod(a: bigint, b: bigint): bigint {
  const r = a % b;
  return r !== 0n && r < 0n !== b < 0n ? r + b : r;
}

function power(a: Num, b: Num): Num {
  if (typeof a === "bigint" && typeof b === "bigint" && b >= 0n) return a ** b;
  return Number(a) ** Number(b);
}

/** Python's `round(x)`: half to even, an int. */
function roundHalfEven(x: Num): bigint {
  if (typeof x === "bigint") return x;
  if (!Number.isFinite(x)) throw new TierkreisBuiltinError(`builtins.tkr_round: cannot round ${pythonFloat(x)}`);
  const floor = Math.floor(x);
  const diff = x - floor;
  const n = diff > 0.5 || (diff === 0.5 && floor % 2 !== 0) ? floor + 1 : floor;
  return BigInt(n);
}

/** Python truthiness. */
function truthy(v: Value): boolean {
  if (v === null || v === false || v === 0n || v === 0 || v === "") return false;
  if (Array.isArray(v) || v instanceof Uint8Array) return v.length > 0;
  if (v instanceof Map) return v.size > 0;
  return true;
}

/** Python's `str()` of an int, float or bool. */
function pyStr(v: Value, task: string): string {
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "number")
    return pythonFloat(v)
      .replace(/^Infinity$/, "inf")
      .replace(/^-Infinity$/, "-inf")
      .replace(/^NaN$/, "nan");
  throw new TierkreisBuiltinError(`builtins.${task}: cannot make a str of ${show(v)}`);
}

/** Python's `int()` of an int, float, bool or str. */
function pyInt(v: Value): bigint {
  if (typeof v === "boolean") return v ? 1n : 0n;
  if (typeof v === "bigint") return v;
  if (typeof v === "number") {
    if (!Number.isFinite(v))
      throw new TierkreisBuiltinError(`builtins.tkr_int: cannot convert ${pythonFloat(v)} to int`);
    return BigInt(Math.trunc(v));
  }
  if (typeof v === "string" && /^\s*[-+]?\d+(_\d+)*\s*$/.test(v)) return BigInt(v.trim().replace(/_/g, ""));
  throw new TierkreisBuiltinError(`builtins.tkr_int: invalid literal for int(): ${show(v)}`);
}

/** Python's `values[start:end]` for a slice bound `n` (negative counts from the end). */
function sliceIndex(n: bigint, length: number): number {
  const i = n < 0n ? BigInt(length) + n : n;
  return Number(i < 0n ? 0n : i > BigInt(length) ? BigInt(length) : i);
}

function pair(v: Value, task: string): [Value, Value] {
  if (!Array.isArray(v) || v.length !== 2)
    throw new TierkreisBuiltinError(`builtins.${task}: expected a pair, got ${show(v)}`);
  return [v[0]!, v[1]!];
}

/** A finite number as an exact fraction. */
function exact(x: Num): [bigint, bigint] {
  if (typeof x === "bigint") return [x, 1n];
  if (!Number.isFinite(x)) throw new TierkreisBuiltinError(`builtins.mean: cannot average ${pythonFloat(x)}`);
  let den = 1n;
  // Doubling a double is exact: after at most 1074 steps it is an integer.
  while (!Number.isInteger(x)) {
    x *= 2;
    den *= 2n;
  }
  return [BigInt(x), den];
}

const bitLength = (n: bigint): number => (n === 0n ? 0 : n.toString(2).length);

/** num / den rounded once to the nearest double (half to even), as Python's int / int does. */
function fractionToFloat(num: bigint, den: bigint): number {
  if (num === 0n) return 0;
  const sign = num < 0n !== den < 0n ? -1 : 1;
  const [n, d] = [num < 0n ? -num : num, den < 0n ? -den : den];
  let shift = bitLength(d) - bitLength(n) + 55;
  let q = shift >= 0 ? (n << BigInt(shift)) / d : n / (d << BigInt(-shift));
  const sticky = shift >= 0 ? (n << BigInt(shift)) % d !== 0n : n % (d << BigInt(-shift)) !== 0n;
  const extra = bitLength(q) - 53;
  const rem = q & ((1n << BigInt(extra)) - 1n);
  const half = 1n << BigInt(extra - 1);
  q >>= BigInt(extra);
  shift -= extra;
  if (rem > half || (rem === half && (sticky || (q & 1n) === 1n))) q += 1n;
  return sign * Number(q) * 2 ** -shift;
}

/** Python's `statistics.mean`: the exact mean, an int when the values are ints and it is whole. */
function mean(values: Num[]): Num {
  if (values.length === 0) throw new TierkreisBuiltinError("builtins.mean: mean requires at least one data point");
  let [num, den] = [0n, 1n];
  for (const v of values) {
    const [n, d] = exact(v);
    [num, den] = [num * d + n * den, den * d];
  }
  den *= BigInt(values.length);
  if (values.every((v) => typeof v === "bigint") && num % den === 0n) return num / den;
  return fractionToFloat(num, den);
}

const TASKS: Readonly<Record<string, (i: Inputs) => Result | Promise<Result>>> = {
  iadd: (i) => value(i.int("a") + i.int("b")),
  add: (i) => value(arith("+", i.num("a"), i.num("b"))),
  isubtract: (i) => value(i.int("a") - i.int("b")),
  subtract: (i) => value(arith("-", i.num("a"), i.num("b"))),
  itimes: (i) => value(i.int("a") * i.int("b")),
  times: (i) => value(arith("*", i.num("a"), i.num("b"))),
  divide: (i) => {
    zeroCheck("divide", i.num("b"));
    return value(Number(i.num("a")) / Number(i.num("b")));
  },
  idivide: (i) => {
    zeroCheck("idivide", i.int("b"));
    return value(floorDiv(i.int("a"), i.int("b")));
  },
  igt: (i) => value(i.int("a") > i.int("b")),
  gt: (i) => value(compare(i.num("a"), i.num("b")) > 0),
  eq: (i) => value(compare(i.num("a"), i.num("b")) === 0),
  neq: (i) => value(compare(i.num("a"), i.num("b")) !== 0),
  ipow: (i) => value(power(i.int("a"), i.int("b"))),
  pow: (i) => value(power(i.num("a"), i.num("b"))),
  tkr_abs: (i) => {
    const a = i.num("a");
    return value(typeof a === "bigint" ? (a < 0n ? -a : a) : Math.abs(a));
  },
  tkr_round: (i) => value(roundHalfEven(i.num("a"))),
  neg: (i) => value(!i.bool("a")),
  trk_and: (i) => value(i.bool("a") && i.bool("b")),
  trk_or: (i) => value(i.bool("a") || i.bool("b")),
  conjugate: (i) => {
    const z = i.get("z");
    if (!z || typeof z !== "object" || !("re" in z)) throw i.wrong("z", "a complex", z);
    return value({ re: z.re, im: -z.im });
  },
  tkr_id: (i) => value(i.get("value")),
  append: (i) => value([...i.list("v"), i.get("a")]),
  head: (i) => {
    const [first, ...rest] = i.list("v");
    if (first === undefined) throw new TierkreisBuiltinError("builtins.head: the list is empty");
    return ports({ head: first, rest });
  },
  tkr_len: (i) => value(BigInt(i.list("v").length)),
  str_eq: (i) => value(i.str("a") === i.str("b")),
  str_neq: (i) => value(i.str("a") !== i.str("b")),
  concat: (i) => value(i.str("lhs") + i.str("rhs")),
  tkr_zip: (i) => {
    const [a, b] = [i.list("a"), i.list("b")];
    return value(a.slice(0, Math.min(a.length, b.length)).map((x, k) => [x, b[k]!]));
  },
  unzip: (i) => {
    const pairs = i.list("value").map((p) => pair(p, "unzip"));
    return ports({ a: pairs.map((p) => p[0]), b: pairs.map((p) => p[1]) });
  },
  tkr_tuple: (i) => value([i.get("a"), i.get("b")]),
  untuple: (i) => {
    const [a, b] = pair(i.get("value"), "untuple");
    return ports({ a, b });
  },
  mean: (i) => value(mean(i.nums("values"))),
  rand_int: (i) => {
    const [a, b] = [i.int("a"), i.int("b")];
    if (a > b) throw new TierkreisBuiltinError(`builtins.rand_int: empty range [${a}, ${b}]`);
    if (b - a >= 2n ** 48n - 1n) throw new TierkreisBuiltinError("builtins.rand_int: the range is wider than 2^48");
    return value(a + BigInt(randomInt(Number(b - a) + 1)));
  },
  tkr_sleep: async (i) => {
    const seconds = Number(i.num("delay_seconds"));
    if (!(seconds >= 0)) throw new TierkreisBuiltinError("builtins.tkr_sleep: sleep length must be non-negative");
    await sleep(seconds * 1000);
    return value(true);
  },
  mod: (i) => {
    zeroCheck("mod", i.int("b"));
    return value(floorMod(i.int("a"), i.int("b")));
  },
  tkr_encode: (i) => value(new TextEncoder().encode(i.str("string"))),
  tkr_decode: (i) => {
    const b = i.get("bytes");
    if (!(b instanceof Uint8Array)) throw i.wrong("bytes", "bytes", b);
    return value(new TextDecoder("utf-8", { fatal: true }).decode(b));
  },
  tkr_all: (i) => value(i.list("values").every(truthy)),
  tkr_any: (i) => value(i.list("values").some(truthy)),
  tkr_reversed: (i) => value([...i.list("values")].reverse()),
  tkr_extend: (i) => value([...i.list("first"), ...i.list("second")]),
  concat_lists: (i) => value([...i.list("first"), ...i.list("second")]),
  tkr_str: (i) => value(pyStr(i.get("value"), "tkr_str")),
  tkr_int: (i) => value(pyInt(i.get("value"))),
  sum_list: (i) => value(i.nums("values").reduce<Num>((s, x) => arith("+", s, x), 0n)),
  prod_list: (i) => value(i.nums("values").reduce<Num>((s, x) => arith("*", s, x), 1n)),
  max_item: (i) => value(extreme(i.nums("values"), 1, "max_item")),
  min_item: (i) => value(extreme(i.nums("values"), -1, "min_item")),
  sort_number_list: (i) => value([...i.nums("values")].sort(compare)),
  sort_string_list: (i) => {
    const values = i.list("values").map((v) =>
      typeof v === "string"
        ? v
        : (() => {
            throw i.wrong("values", "a list of str", v);
          })(),
    );
    return value(values.sort(compareCodePoints));
  },
  flatten: (i) => value(i.list("values").flatMap((v) => (Array.isArray(v) ? v : [v]))),
  take: (i) => {
    const values = i.list("values");
    return value(values.slice(0, sliceIndex(i.int("n"), values.length)));
  },
  drop: (i) => {
    const values = i.list("values");
    return value(values.slice(sliceIndex(i.int("n"), values.length)));
  },
};

/** Python's max/min: the first of the largest (smallest). */
function extreme(values: Num[], sign: 1 | -1, task: string): Num {
  if (values.length === 0) throw new TierkreisBuiltinError(`builtins.${task}: the list is empty`);
  return values.reduce((best, x) => (compare(x, best) * sign > 0 ? x : best));
}

function compareCodePoints(a: string, b: string): number {
  const [x, y] = [[...a], [...b]];
  for (let k = 0; k < Math.min(x.length, y.length); k++) {
    const d = x[k]!.codePointAt(0)! - y[k]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/** Port file bytes → a Python value, as upstream decodes without a type: JSON, else raw bytes. */
function decode(bytes: Uint8Array): Value {
  let tree: JsonTree;
  try {
    tree = parseJson(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    return bytes;
  }
  return fromTree(tree);
}

function fromTree(t: JsonTree): Value {
  if (t instanceof JsonNumber) return t.isInteger ? BigInt(t.text) : t.toNumber();
  if (Array.isArray(t)) return t.map(fromTree);
  if (t instanceof Map) {
    const complex = t.get("__tkr_complex__");
    if (Array.isArray(complex) && complex.length === 2 && complex.every((c) => c instanceof JsonNumber)) {
      return { re: (complex[0] as JsonNumber).toNumber(), im: (complex[1] as JsonNumber).toNumber() };
    }
    if (t.get("__tkr_bytes__") === true && typeof t.get("bytes") === "string") {
      return new Uint8Array(Buffer.from(t.get("bytes") as string, "base64"));
    }
    return new Map([...t].map(([k, v]) => [k, fromTree(v)]));
  }
  return t;
}

function toTree(v: Value): JsonTree {
  if (typeof v === "bigint") return new JsonNumber(v.toString());
  if (typeof v === "number") return new JsonNumber(pythonFloat(v));
  if (v instanceof Uint8Array) {
    return new Map<string, JsonTree>([
      ["__tkr_bytes__", true],
      ["bytes", Buffer.from(v).toString("base64")],
    ]);
  }
  if (Array.isArray(v)) return v.map(toTree);
  if (v instanceof Map) return new Map([...v].map(([k, x]) => [k, toTree(x)]));
  if (v !== null && typeof v === "object") {
    return new Map<string, JsonTree>([
      ["__tkr_complex__", [new JsonNumber(pythonFloat(v.re)), new JsonNumber(pythonFloat(v.im))]],
    ]);
  }
  return v;
}

/** A value as upstream's `bytes_from_ptype` writes it: top-level bytes raw, the rest JSON. */
function encode(v: Value): Uint8Array {
  return v instanceof Uint8Array ? v : Buffer.from(pythonJson(toTree(v)), "utf8");
}

function show(v: Value): string {
  if (v instanceof Uint8Array) return `${v.length} bytes`;
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "number") return pythonFloat(v);
  return pythonJson(toTree(v)).slice(0, 80);
}

/** Runs one upstream builtin on its call arguments: reads the input files, writes the outputs. */
async function run(task: string, root: string, args: CallArgs): Promise<void> {
  const values: Record<string, Value> = {};
  await Promise.all(
    Object.entries(args.inputs).map(async ([port, path]) => {
      values[port] = decode(await readFile(resolvePath(root, path)));
    }),
  );
  const result = await TASKS[task]!(new Inputs(task, values));
  const outputs = "value" in result ? { value: result.value } : result.ports;
  const dir = resolvePath(root, args.output_dir);
  await Promise.all(
    Object.entries(outputs).map(([port, v]) =>
      writeFile(args.outputs[port] ? resolvePath(root, args.outputs[port]!) : join(dir, port), encode(v)),
    ),
  );
}

/** Upstream's builtins by task name, in the controller's built-in task form. */
export const TIERKREIS_BUILTINS: Readonly<Record<string, (root: string, args: CallArgs) => Promise<void>>> =
  Object.fromEntries(Object.keys(TASKS).map((task) => [task, (root: string, args: CallArgs) => run(task, root, args)]));

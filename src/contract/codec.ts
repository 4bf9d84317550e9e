/**
 * The value codec: TypeScript values ↔ the bytes of a port file, byte-compatible with the
 * Tierkreis encoding (Python `json.dumps` with `TierkreisEncoder`). Decoding is driven by the
 * port's declared type, so an int port never comes back as a string, a bytes port holding `123`
 * stays bytes, and an integer beyond 2^53 is never rounded.
 *
 * TypeScript representation: bytes ↔ `Uint8Array`; big ints ↔ `bigint`; other ints and floats ↔
 * `number`; structs and records ↔ plain objects; lists ↔ arrays; literals ↔ the value.
 */
import { JsonNumber, JsonSyntaxError, parseJson, pythonFloat, pythonString, type JsonTree } from "./json-text.js";
import { typeName, type IntType, type ValueType } from "./value-type.js";

/** A value that does not match its declared type. The message says where and what was wrong. */
export class ValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ValueError";
  }
}

/** A complex number, as Tierkreis writes Python `complex` (`{"__tkr_complex__": [re, im]}`). */
export class Complex {
  constructor(
    readonly re: number,
    readonly im: number,
  ) {}
}

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

// ---------------------------------------------------------------------------------------------
// Error helpers

/** `at [0].x: ` in front of a message when the problem is inside the value. */
function fail(path: string, message: string): never {
  throw new ValueError(path ? `at ${path}: ${message}` : message);
}

function key(path: string, name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? `${path}.${name}` : `${path}[${JSON.stringify(name)}]`;
}

function short(s: string): string {
  const q = JSON.stringify(s.length > 40 ? s.slice(0, 40) + "…" : s);
  return `string ${q}`;
}

/** A short description of a TypeScript value, for "got ..." in messages. */
export function describeValue(v: unknown): string {
  if (v === undefined) return "undefined";
  if (v === null) return "null";
  if (typeof v === "string") return short(v);
  if (typeof v === "number") return `number ${Object.is(v, -0) ? "-0" : String(v)}`;
  if (typeof v === "bigint") return `bigint ${v}`;
  if (typeof v === "boolean") return `boolean ${v}`;
  if (v instanceof Uint8Array) return `bytes (${v.length} bytes)`;
  if (Array.isArray(v)) return `array of ${v.length}`;
  if (typeof v === "object") {
    const keys = Object.keys(v);
    return `object {${keys.slice(0, 5).join(", ")}${keys.length > 5 ? ", …" : ""}}`;
  }
  return typeof v;
}

function describeTree(v: JsonTree): string {
  if (v === null) return "null";
  if (typeof v === "string") return short(v);
  if (typeof v === "boolean") return `boolean ${v}`;
  if (v instanceof JsonNumber) return `number ${v.text}`;
  if (Array.isArray(v)) return `array of ${v.length}`;
  const keys = [...v.keys()];
  return `object {${keys.slice(0, 5).join(", ")}${keys.length > 5 ? ", …" : ""}}`;
}

const expected = (type: ValueType) => `expected ${typeName(type)}`;

// ---------------------------------------------------------------------------------------------
// Encoding

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v) || v instanceof Uint8Array) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function intBounds(type: IntType): [bigint | undefined, bigint | undefined] {
  return [type.min === undefined ? undefined : BigInt(type.min), type.max === undefined ? undefined : BigInt(type.max)];
}

function checkIntRange(n: bigint, type: IntType, path: string, shown: string): void {
  const [min, max] = intBounds(type);
  if ((min !== undefined && n < min) || (max !== undefined && n > max)) {
    fail(path, `${expected(type)}, got ${shown}, out of range ${type.min}..${type.max}`);
  }
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

/** JSON text of a value nested in (or being) a JSON document, with Python's separators. */
function toJson(value: unknown, type: ValueType, path: string): string {
  switch (type.kind) {
    case "any":
      return untypedJson(value, path);
    case "int": {
      let n: bigint;
      if (typeof value === "bigint") n = value;
      else if (typeof value === "number" && Number.isInteger(value)) {
        if (!Number.isSafeInteger(value)) {
          fail(
            path,
            `${expected(type)}, got number ${value}, which is beyond 2^53 and may have been rounded; use a bigint`,
          );
        }
        n = BigInt(value);
      } else return fail(path, `${expected(type)}, got ${describeValue(value)}`);
      checkIntRange(n, type, path, String(n));
      return n.toString();
    }
    case "float":
      if (typeof value !== "number") fail(path, `${expected(type)}, got ${describeValue(value)}`);
      return pythonFloat(value);
    case "string":
      if (typeof value !== "string") fail(path, `${expected(type)}, got ${describeValue(value)}`);
      return pythonString(value);
    case "bool":
      if (typeof value !== "boolean") fail(path, `${expected(type)}, got ${describeValue(value)}`);
      return value ? "true" : "false";
    case "null":
      if (value !== null) fail(path, `${expected(type)}, got ${describeValue(value)}`);
      return "null";
    case "bytes":
      if (!(value instanceof Uint8Array)) fail(path, `${expected(type)}, got ${describeValue(value)}`);
      return `{"__tkr_bytes__": true, "bytes": "${base64(value)}"}`;
    case "list": {
      if (!Array.isArray(value)) fail(path, `${expected(type)}, got ${describeValue(value)}`);
      const items: string[] = [];
      for (let i = 0; i < value.length; i++) items.push(toJson(value[i], type.of, `${path}[${i}]`));
      return `[${items.join(", ")}]`;
    }
    case "record": {
      if (!isPlainObject(value)) fail(path, `${expected(type)}, got ${describeValue(value)}`);
      const items: string[] = [];
      for (const [k, v] of Object.entries(value)) {
        if (v === undefined) continue;
        items.push(`${pythonString(k)}: ${toJson(v, type.of, key(path, k))}`);
      }
      return `{${items.join(", ")}}`;
    }
    case "struct": {
      if (!isPlainObject(value)) fail(path, `${expected(type)}, got ${describeValue(value)}`);
      const known = new Set(type.fields.map((f) => f.name));
      for (const k of Object.keys(value)) {
        if (!known.has(k) && value[k] !== undefined) fail(path, `${type.name} has no field '${k}'`);
      }
      const items: string[] = [];
      for (const f of type.fields) {
        const v = value[f.name];
        if (v === undefined) {
          if (f.optional) continue;
          fail(path, `${type.name}: required field '${f.name}' is missing`);
        }
        items.push(`${pythonString(f.name)}: ${toJson(v, f.type, key(path, f.name))}`);
      }
      return `{${items.join(", ")}}`;
    }
    case "literal": {
      if (!type.values.some((v) => v === value)) {
        fail(path, `${expected(type)}, got ${describeValue(value)}`);
      }
      if (typeof value === "string") return pythonString(value);
      if (typeof value === "boolean") return value ? "true" : "false";
      const n = value as number;
      return Number.isInteger(n) ? String(n) : pythonFloat(n);
    }
    case "union": {
      for (const variant of type.of) {
        try {
          return toJson(value, variant, path);
        } catch (e) {
          if (!(e instanceof ValueError)) throw e;
        }
      }
      return fail(path, `${expected(type)}, got ${describeValue(value)}`);
    }
  }
}

/** Top-level bytes are written raw (no JSON), also when chosen as the variant of a union. */
function encodeTop(value: unknown, type: ValueType): Uint8Array {
  if (type.kind === "any") return encodeUntyped(value);
  if (type.kind === "bytes") {
    if (!(value instanceof Uint8Array)) fail("", `${expected(type)}, got ${describeValue(value)}`);
    return value;
  }
  if (type.kind === "union") {
    for (const variant of type.of) {
      try {
        return encodeTop(value, variant);
      } catch (e) {
        if (!(e instanceof ValueError)) throw e;
      }
    }
    fail("", `${expected(type)}, got ${describeValue(value)}`);
  }
  return utf8.encode(toJson(value, type, ""));
}

/** The bytes of a port file holding `value` of the declared `type`. Throws `ValueError`. */
export function encodeValue(value: unknown, type: ValueType): Uint8Array {
  return encodeTop(value, type);
}

// ---------------------------------------------------------------------------------------------
// Decoding

function decodeBase64(s: unknown, path: string): Uint8Array {
  if (typeof s !== "string" || s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) {
    fail(
      path,
      `bytes: field 'bytes' must be padded base64, got ${typeof s === "string" ? short(s) : describeTree(s as JsonTree)}`,
    );
  }
  const b = Buffer.from(s, "base64");
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

function isBytesObject(v: JsonTree): boolean {
  return v instanceof Map && v.has("__tkr_bytes__") && v.has("bytes");
}

function fromTree(v: JsonTree, type: ValueType, path: string): unknown {
  const wrong = (): never => fail(path, `${expected(type)}, got ${describeTree(v)}`);
  switch (type.kind) {
    case "any":
      return untyped(v);
    case "int": {
      if (!(v instanceof JsonNumber) || !v.isInteger) return wrong();
      const n = BigInt(v.text);
      checkIntRange(n, type, path, v.text);
      if (type.big) return n;
      if (n > MAX_SAFE || n < -MAX_SAFE) {
        fail(
          path,
          `${expected(type)} as a number, got ${v.text}, which is beyond 2^53 and would be rounded; use a bigint port`,
        );
      }
      return Number(n);
    }
    case "float":
      if (!(v instanceof JsonNumber)) return wrong();
      return v.toNumber();
    case "string":
      if (typeof v !== "string") return wrong();
      return v;
    case "bool":
      if (typeof v !== "boolean") return wrong();
      return v;
    case "null":
      if (v !== null) return wrong();
      return null;
    case "bytes":
      if (!(v instanceof Map) || !isBytesObject(v)) return wrong();
      return decodeBase64(v.get("bytes"), path);
    case "list":
      if (!Array.isArray(v)) return wrong();
      return v.map((item, i) => fromTree(item, type.of, `${path}[${i}]`));
    case "record": {
      if (!(v instanceof Map) || isBytesObject(v)) return wrong();
      const out: Record<string, unknown> = {};
      for (const [k, item] of v) define(out, k, fromTree(item, type.of, key(path, k)));
      return out;
    }
    case "struct": {
      if (!(v instanceof Map) || isBytesObject(v)) return wrong();
      const known = new Set(type.fields.map((f) => f.name));
      for (const k of v.keys()) if (!known.has(k)) fail(path, `${type.name} has no field '${k}'`);
      const out: Record<string, unknown> = {};
      for (const f of type.fields) {
        const item = v.get(f.name);
        if (item === undefined || (item === null && f.optional && !acceptsNull(f.type))) {
          if (f.optional) continue;
          fail(path, `${type.name}: required field '${f.name}' is missing`);
        }
        define(out, f.name, fromTree(item, f.type, key(path, f.name)));
      }
      return out;
    }
    case "literal": {
      for (const lit of type.values) {
        if (typeof lit === "number" ? v instanceof JsonNumber && v.toNumber() === lit : v === lit) return lit;
      }
      return wrong();
    }
    case "union": {
      for (const variant of type.of) {
        try {
          return fromTree(v, variant, path);
        } catch (e) {
          if (!(e instanceof ValueError)) throw e;
        }
      }
      return wrong();
    }
  }
}

function acceptsNull(type: ValueType): boolean {
  return type.kind === "null" || (type.kind === "union" && type.of.some(acceptsNull));
}

/** Set a property even when its name is `__proto__`. */
function define(obj: Record<string, unknown>, k: string, value: unknown): void {
  Object.defineProperty(obj, k, { value, enumerable: true, writable: true, configurable: true });
}

function asView(bytes: Uint8Array): Uint8Array {
  return bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function parseBytes(bytes: Uint8Array): JsonTree {
  let text: string;
  try {
    text = utf8Strict.decode(bytes);
  } catch {
    fail("", "not valid UTF-8, so not a JSON value");
  }
  try {
    return parseJson(text);
  } catch (e) {
    if (e instanceof JsonSyntaxError) fail("", `not a JSON value: ${e.message}`);
    throw e;
  }
}

function flatten(type: ValueType): ValueType[] {
  return type.kind === "union" ? type.of.flatMap(flatten) : [type];
}

/**
 * Top-level bytes are the raw file. In a union with bytes, the JSON variants are tried first (in
 * order) and bytes last, the same "JSON first, else raw" rule as untyped decoding, so that a
 * `string | bytes` port holding `"x"` gives the string back.
 */
function decodeTop(bytes: Uint8Array, type: ValueType, tree: () => JsonTree): unknown {
  if (type.kind === "bytes") return asView(bytes);
  if (type.kind === "any") return decodeUntyped(bytes);
  if (type.kind !== "union") return fromTree(tree(), type, "");
  const variants = flatten(type);
  let parsed: JsonTree | undefined;
  let notJson: string | undefined;
  try {
    parsed = tree();
  } catch (e) {
    if (!(e instanceof ValueError)) throw e;
    notJson = e.message;
  }
  if (notJson === undefined) {
    for (const variant of variants) {
      if (variant.kind === "bytes") continue;
      try {
        return fromTree(parsed as JsonTree, variant, "");
      } catch (e) {
        if (!(e instanceof ValueError)) throw e;
      }
    }
  }
  if (variants.some((v) => v.kind === "bytes")) return asView(bytes);
  return fail("", `${expected(type)}, got ${notJson ?? describeTree(parsed as JsonTree)}`);
}

/** The value in a port file of the declared `type`. Throws `ValueError`. */
export function decodeValue(bytes: Uint8Array, type: ValueType): unknown {
  let cached: JsonTree | undefined;
  let parsed = false;
  return decodeTop(bytes, type, () => {
    if (!parsed) {
      cached = parseBytes(bytes);
      parsed = true;
    }
    return cached as JsonTree;
  });
}

// ---------------------------------------------------------------------------------------------
// Without a declared type (as upstream does when it has no annotation)

function untyped(v: JsonTree): unknown {
  if (v === null || typeof v === "string" || typeof v === "boolean") return v;
  if (v instanceof JsonNumber) {
    if (!v.isInteger) return v.toNumber();
    const n = BigInt(v.text);
    return n > MAX_SAFE || n < -MAX_SAFE ? n : Number(n);
  }
  if (Array.isArray(v)) return v.map(untyped);
  if (isBytesObject(v)) return decodeBase64((v as Map<string, JsonTree>).get("bytes"), "");
  const c = v.get("__tkr_complex__");
  if (Array.isArray(c) && c.length === 2 && c.every((x) => x instanceof JsonNumber)) {
    return new Complex((c[0] as JsonNumber).toNumber(), (c[1] as JsonNumber).toNumber());
  }
  const out: Record<string, unknown> = {};
  for (const [k, item] of v) define(out, k, untyped(item));
  return out;
}

/**
 * A port value without a declared type: JSON first, raw bytes if it is not JSON (as upstream).
 * Integers beyond 2^53 come back as `bigint`, nested bytes as `Uint8Array`, complex as `Complex`.
 */
export function decodeUntyped(bytes: Uint8Array): unknown {
  let tree: JsonTree;
  try {
    tree = parseBytes(bytes);
  } catch {
    return asView(bytes);
  }
  return untyped(tree);
}

function untypedJson(v: unknown, path: string): string {
  if (v === null) return "null";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "string") return pythonString(v);
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "number") return Number.isInteger(v) && !Object.is(v, -0) ? String(v) : pythonFloat(v);
  if (v instanceof Uint8Array) return `{"__tkr_bytes__": true, "bytes": "${base64(v)}"}`;
  if (v instanceof Complex) return `{"__tkr_complex__": [${pythonFloat(v.re)}, ${pythonFloat(v.im)}]}`;
  if (Array.isArray(v)) return `[${v.map((x, i) => untypedJson(x, `${path}[${i}]`)).join(", ")}]`;
  if (isPlainObject(v)) {
    const items = Object.entries(v)
      .filter(([, x]) => x !== undefined)
      .map(([k, x]) => `${pythonString(k)}: ${untypedJson(x, key(path, k))}`);
    return `{${items.join(", ")}}`;
  }
  return fail(path, `cannot encode ${describeValue(v)} without a declared type`);
}

/**
 * Encode a value without a declared type, as upstream's `bytes_from_ptype` does: top-level bytes
 * raw, everything else JSON. An integral `number` is written as an int (JavaScript cannot tell
 * `2` from `2.0`); use `encodeValue` with a float type to get `2.0`.
 */
export function encodeUntyped(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  return utf8.encode(untypedJson(value, ""));
}

/**
 * A JSON value (for example a parameter default from a task signature) as the TypeScript value
 * of `type`, checked like a decoded port value.
 */
export function fromJsonValue(json: unknown, type: ValueType): unknown {
  if (type.kind === "bytes" && typeof json === "string") return utf8.encode(json);
  if (json instanceof Uint8Array) return decodeValue(encodeUntyped(json), type);
  return decodeValue(utf8.encode(untypedJson(json, "")), type);
}

/**
 * Compile-time encoding of parameter defaults to the wire format of CONTRACT.md (Python's
 * `json.dumps`: `", "` and `": "` separators, `\uXXXX` escapes, floats keep `.0`), so a launcher
 * can write an omitted input's default exactly as a Python producer would have.
 */
import type { TypeDesc } from "../runtime-contract/index.js";

/** `value` (JSON from the spec) in wire form, as declared by `desc`. */
export function toWire(value: unknown, desc: TypeDesc): string {
  switch (desc.kind) {
    case "float":
      if (typeof value === "number") return pythonFloat(value);
      break;
    case "list":
      if (Array.isArray(value)) return `[${value.map((v) => toWire(v, desc.of)).join(", ")}]`;
      break;
    case "record":
      if (isObject(value)) return `{${Object.entries(value).map(([k, v]) => `${pythonString(k)}: ${toWire(v, desc.of)}`).join(", ")}}`;
      break;
    case "struct":
      if (isObject(value)) {
        const fields = desc.fields.filter((f) => f.name in value);
        return `{${fields.map((f) => `${pythonString(f.name)}: ${toWire(value[f.name], f.type)}`).join(", ")}}`;
      }
      break;
    case "union":
      for (const variant of desc.of) {
        if (fits(value, variant)) return toWire(value, variant);
      }
      break;
  }
  return untyped(value);
}

/** Plain JSON by value shape, for parts the descriptor does not pin down. */
function untyped(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return pythonString(value);
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  if (typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `[${value.map(untyped).join(", ")}]`;
  return `{${Object.entries(value as object).map(([k, v]) => `${pythonString(k)}: ${untyped(v)}`).join(", ")}}`;
}

function fits(value: unknown, desc: TypeDesc): boolean {
  switch (desc.kind) {
    case "int":
      return typeof value === "bigint" || (typeof value === "number" && Number.isInteger(value));
    case "float":
      return typeof value === "number";
    case "string":
      return typeof value === "string";
    case "bool":
      return typeof value === "boolean";
    case "null":
      return value === null;
    case "literal":
      return desc.values.includes(value as string | number | boolean);
    case "list":
      return Array.isArray(value);
    default:
      return isObject(value);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Python's `json.dumps(str)`: ASCII only, `\uXXXX` (UTF-16 units) for the rest. */
export function pythonString(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    const code = text.charCodeAt(i);
    if (c === '"') out += '\\"';
    else if (c === "\\") out += "\\\\";
    else if (c === "\n") out += "\\n";
    else if (c === "\r") out += "\\r";
    else if (c === "\t") out += "\\t";
    else if (c === "\b") out += "\\b";
    else if (c === "\f") out += "\\f";
    else if (code < 0x20 || code > 0x7e) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else out += c;
  }
  return out + '"';
}

/** Python's `repr(float)`: shortest round-trip digits, `.0` on integers, exponent from 1e16 and below 1e-4. */
export function pythonFloat(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "Infinity" : "-Infinity";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const [mantissa, exp] = x.toExponential().split("e") as [string, string];
  const sign = mantissa.startsWith("-") ? "-" : "";
  const digits = mantissa.replace("-", "").replace(".", "");
  return sign + pythonDigits(digits, Number(exp));
}

/** Formats significant `digits` (no trailing zeros needed) times 10^exp as Python's repr does. */
function pythonDigits(digits: string, exp: number): string {
  if (exp < -4 || exp >= 16) {
    const rest = digits.slice(1);
    const e = `${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
    return `${digits[0]}${rest ? `.${rest}` : ""}e${e}`;
  }
  if (exp < 0) return `0.${"0".repeat(-exp - 1)}${digits}`;
  const whole = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
  return `${whole}.${digits.slice(exp + 1) || "0"}`;
}

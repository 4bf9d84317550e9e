/**
 * JSON text as Python's `json` module reads and writes it. `JSON.parse` cannot be used for port
 * values: it rounds integers beyond 2^53 and rejects `NaN` / `Infinity`, which Python writes.
 * So values are parsed into a small tree that keeps every number's source text, and the typed
 * decoder decides what each number becomes once it knows the declared type.
 */

/** A JSON number with its exact source text (`12345678901234567890`, `1e-07`, `NaN`). */
export class JsonNumber {
  constructor(readonly text: string) {}
  /** True for an integer literal (no fraction, no exponent), as Python's decoder decides int vs float. */
  get isInteger(): boolean {
    return /^-?\d+$/.test(this.text);
  }
  toNumber(): number {
    if (this.text === "NaN") return NaN;
    if (this.text === "Infinity") return Infinity;
    if (this.text === "-Infinity") return -Infinity;
    return Number(this.text);
  }
}

/** Parsed JSON: objects keep their key order (wire order) in a Map. */
export type JsonTree = null | boolean | string | JsonNumber | JsonTree[] | JsonObject;
export type JsonObject = Map<string, JsonTree>;

export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = "JsonSyntaxError";
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?/y;
const WS = /[ \t\n\r]*/y;

/** Parse JSON text the way Python's `json.loads` accepts it (incl. `NaN`, `Infinity`, `-Infinity`). */
export function parseJson(text: string): JsonTree {
  let i = 0;
  const fail = (what: string): never => {
    const near = JSON.stringify(text.slice(i, i + 20));
    throw new JsonSyntaxError(`invalid JSON at offset ${i}: ${what} (near ${near})`, i);
  };
  const skip = () => {
    WS.lastIndex = i;
    WS.exec(text);
    i = WS.lastIndex;
  };
  const literal = (word: string): boolean => {
    if (text.startsWith(word, i)) {
      i += word.length;
      return true;
    }
    return false;
  };
  const string = (): string => {
    i++; // opening quote
    let out = "";
    let start = i;
    for (;;) {
      if (i >= text.length) fail("unterminated string");
      const c = text.charCodeAt(i);
      if (c === 0x22) break;
      if (c < 0x20) fail("control character in string");
      if (c !== 0x5c) {
        i++;
        continue;
      }
      out += text.slice(start, i);
      const e = text[i + 1];
      i += 2;
      switch (e) {
        case '"':
          out += '"';
          break;
        case "\\":
          out += "\\";
          break;
        case "/":
          out += "/";
          break;
        case "b":
          out += "\b";
          break;
        case "f":
          out += "\f";
          break;
        case "n":
          out += "\n";
          break;
        case "r":
          out += "\r";
          break;
        case "t":
          out += "\t";
          break;
        case "u": {
          const hex = text.slice(i, i + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail("bad \\u escape");
          out += String.fromCharCode(parseInt(hex, 16));
          i += 4;
          break;
        }
        default:
          i -= 2;
          fail("bad escape");
      }
      start = i;
    }
    out += text.slice(start, i);
    i++; // closing quote
    return out;
  };
  const value = (depth: number): JsonTree => {
    if (depth > 10_000) fail("nested too deeply");
    skip();
    const c = text[i];
    if (c === "{") {
      i++;
      const obj: JsonObject = new Map();
      skip();
      if (text[i] === "}") {
        i++;
        return obj;
      }
      for (;;) {
        skip();
        if (text[i] !== '"') fail("expected a property name");
        const key = string();
        skip();
        if (text[i] !== ":") fail("expected ':'");
        i++;
        obj.set(key, value(depth + 1));
        skip();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "}") {
          i++;
          return obj;
        }
        fail("expected ',' or '}'");
      }
    }
    if (c === "[") {
      i++;
      const arr: JsonTree[] = [];
      skip();
      if (text[i] === "]") {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(value(depth + 1));
        skip();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "]") {
          i++;
          return arr;
        }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return string();
    if (literal("true")) return true;
    if (literal("false")) return false;
    if (literal("null")) return null;
    if (literal("NaN")) return new JsonNumber("NaN");
    if (literal("Infinity")) return new JsonNumber("Infinity");
    if (literal("-Infinity")) return new JsonNumber("-Infinity");
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (m) {
      i = NUMBER.lastIndex;
      return new JsonNumber(m[0]);
    }
    return fail("expected a value");
  };
  const result = value(0);
  skip();
  if (i !== text.length) fail("extra data after the value");
  return result;
}

/**
 * A JSON string as Python's `json.dumps` writes it with `ensure_ascii=True`: everything outside
 * printable ASCII becomes a lowercase `\uXXXX` escape (astral characters as surrogate pairs,
 * which is what UTF-16 code units already are).
 */
export function pythonString(s: string): string {
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c <= 0x7e && c !== 0x22 && c !== 0x5c) continue;
    out += s.slice(start, i);
    start = i + 1;
    switch (c) {
      case 0x22:
        out += '\\"';
        break;
      case 0x5c:
        out += "\\\\";
        break;
      case 0x0a:
        out += "\\n";
        break;
      case 0x0d:
        out += "\\r";
        break;
      case 0x09:
        out += "\\t";
        break;
      case 0x08:
        out += "\\b";
        break;
      case 0x0c:
        out += "\\f";
        break;
      default:
        out += "\\u" + c.toString(16).padStart(4, "0");
    }
  }
  return out + s.slice(start) + '"';
}

/**
 * A float as Python's `repr` (and so `json.dumps`) writes it: the shortest digits that round-trip
 * (the same digits JavaScript picks), fixed notation with a `.0` for exponents -4..15, otherwise
 * `d.ddde+XX` with at least two exponent digits; `NaN`, `Infinity`, `-Infinity`; `-0.0`.
 */
export function pythonFloat(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "Infinity";
  if (x === -Infinity) return "-Infinity";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const sign = x < 0 ? "-" : "";
  // toExponential() without an argument gives the shortest round-tripping digits.
  const [mantissa, expText] = Math.abs(x).toExponential().split("e") as [string, string];
  const digits = mantissa.replace(".", "");
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) {
    const frac = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp).toString().padStart(2, "0");
    return `${sign}${frac}e${exp < 0 ? "-" : "+"}${e}`;
  }
  if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
  const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
  const fracPart = digits.slice(exp + 1) || "0";
  return `${sign}${intPart}.${fracPart}`;
}

/**
 * Codec test vectors. Every expected byte string was checked by hand against Python's rules, and
 * the `py` column is fed to python3's `json.dumps` (with Tierkreis's encoder hook) by the
 * cross-check test below, so a vector that disagrees with Python fails.
 */
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import {
  Complex,
  decodeUntyped,
  decodeValue,
  encodeUntyped,
  encodeValue,
  fromJsonValue,
  t,
  ValueError,
  type ValueType,
} from "../../src/runtime/index.js";

const u8 = (s: string | number[]) => (typeof s === "string" ? new TextEncoder().encode(s) : new Uint8Array(s));
const text = (b: Uint8Array) => new TextDecoder().decode(b);

const point = t.struct("Point", [t.field("x", t.float64), t.field("y", t.float64), t.field("label", t.string, true)]);
const keyFile = t.struct("KeyFile", [t.field("name", t.string), t.field("data", t.bytes)]);
const color = t.literal(["red", "g"], "Color");

interface Vector {
  name: string;
  type: ValueType;
  value: unknown;
  /** The exact file bytes (as text; top-level bytes vectors are ASCII). */
  bytes: string;
  /** The same value as a Python expression, for the python3 cross-check. */
  py?: string;
}

// Rows of CONTRACT.md's encoding table first, then edge cases.
const vectors: Vector[] = [
  { name: "top-level bytes are raw", type: t.bytes, value: u8("ab"), bytes: "ab", py: 'b"ab"' },
  { name: "int", type: t.int32, value: 4096, bytes: "4096", py: "4096" },
  { name: "string", type: t.string, value: "hi", bytes: '"hi"', py: '"hi"' },
  { name: "bool true", type: t.boolean, value: true, bytes: "true", py: "True" },
  { name: "bool false", type: t.boolean, value: false, bytes: "false", py: "False" },
  { name: "null", type: t.null, value: null, bytes: "null", py: "None" },
  { name: "float 1.5", type: t.float64, value: 1.5, bytes: "1.5", py: "1.5" },
  { name: "float 2.0 keeps .0", type: t.float64, value: 2, bytes: "2.0", py: "2.0" },
  { name: "float 1e16", type: t.float64, value: 1e16, bytes: "1e+16", py: "1e16" },
  { name: "float 1e-7", type: t.float64, value: 1e-7, bytes: "1e-07", py: "1e-7" },
  {
    name: "list of bytes",
    type: t.list(t.bytes),
    value: [u8("ab"), u8("cd")],
    bytes: '[{"__tkr_bytes__": true, "bytes": "YWI="}, {"__tkr_bytes__": true, "bytes": "Y2Q="}]',
    py: '[b"ab", b"cd"]',
  },
  {
    name: "struct in declaration order",
    type: point,
    value: { label: "p", y: -2.5, x: 1 },
    bytes: '{"x": 1.0, "y": -2.5, "label": "p"}',
    py: '{"x": 1.0, "y": -2.5, "label": "p"}',
  },
  { name: "non-ASCII string", type: t.string, value: "héllo", bytes: '"h\\u00e9llo"', py: '"h\\u00e9llo"' },

  // edge cases
  { name: "empty bytes", type: t.bytes, value: u8(""), bytes: "", py: 'b""' },
  { name: "bytes that look like JSON stay bytes", type: t.bytes, value: u8("123"), bytes: "123", py: 'b"123"' },
  { name: "empty string", type: t.string, value: "", bytes: '""', py: '""' },
  {
    name: "astral character as a surrogate pair",
    type: t.string,
    value: "a😀",
    bytes: '"a\\ud83d\\ude00"',
    py: '"a\\U0001F600"',
  },
  {
    name: "escapes and control characters",
    type: t.string,
    value: 'q"b\\\n\t\r\b\f\u0001\u007f/',
    bytes: '"q\\"b\\\\\\n\\t\\r\\b\\f\\u0001\\u007f/"',
    py: '"q\\"b\\\\\\n\\t\\r\\b\\f\\x01\\x7f/"',
  },
  { name: "CJK", type: t.string, value: "日本", bytes: '"\\u65e5\\u672c"', py: '"日本"' },
  { name: "negative int", type: t.int32, value: -7, bytes: "-7", py: "-7" },
  { name: "int64 beyond 2^53", type: t.int64, value: 2n ** 53n + 1n, bytes: "9007199254740993", py: "2**53 + 1" },
  { name: "int64 min", type: t.int64, value: -(2n ** 63n), bytes: "-9223372036854775808", py: "-2**63" },
  { name: "uint64 max", type: t.uint64, value: 2n ** 64n - 1n, bytes: "18446744073709551615", py: "2**64 - 1" },
  {
    name: "integer beyond 2^64",
    type: t.integer,
    value: 2n ** 70n + 1n,
    bytes: "1180591620717411303425",
    py: "2**70 + 1",
  },
  { name: "safe int as number", type: t.int64AsNumber, value: 2 ** 53 - 1, bytes: "9007199254740991", py: "2**53 - 1" },
  { name: "negative zero", type: t.float64, value: -0, bytes: "-0.0", py: "-0.0" },
  { name: "zero", type: t.float64, value: 0, bytes: "0.0", py: "0.0" },
  { name: "NaN", type: t.float64, value: NaN, bytes: "NaN", py: 'float("nan")' },
  { name: "Infinity", type: t.float64, value: Infinity, bytes: "Infinity", py: 'float("inf")' },
  { name: "-Infinity", type: t.float64, value: -Infinity, bytes: "-Infinity", py: 'float("-inf")' },
  { name: "float 1e15 is fixed", type: t.float64, value: 1e15, bytes: "1000000000000000.0", py: "1e15" },
  { name: "float 0.0001 is fixed", type: t.float64, value: 0.0001, bytes: "0.0001", py: "0.0001" },
  { name: "float 1e-5 is exponent", type: t.float64, value: 1e-5, bytes: "1e-05", py: "1e-5" },
  { name: "float 0.1", type: t.float64, value: 0.1, bytes: "0.1", py: "0.1" },
  { name: "float 1/3", type: t.float64, value: 1 / 3, bytes: "0.3333333333333333", py: "1/3" },
  {
    name: "float 1.2345678901234568e+20",
    type: t.float64,
    value: 1.2345678901234568e20,
    bytes: "1.2345678901234568e+20",
    py: "1.2345678901234568e20",
  },
  {
    name: "float max",
    type: t.float64,
    value: Number.MAX_VALUE,
    bytes: "1.7976931348623157e+308",
    py: "1.7976931348623157e308",
  },
  { name: "float min subnormal", type: t.float64, value: 5e-324, bytes: "5e-324", py: "5e-324" },
  { name: "float -123.456", type: t.float64, value: -123.456, bytes: "-123.456", py: "-123.456" },
  { name: "empty list", type: t.list(t.int32), value: [], bytes: "[]", py: "[]" },
  {
    name: "nested lists of bytes",
    type: t.list(t.list(t.bytes)),
    value: [[u8("a"), u8("")], [], [u8([0, 255, 254])]],
    bytes:
      '[[{"__tkr_bytes__": true, "bytes": "YQ=="}, {"__tkr_bytes__": true, "bytes": ""}], [], [{"__tkr_bytes__": true, "bytes": "AP/+"}]]',
    py: '[[b"a", b""], [], [b"\\x00\\xff\\xfe"]]',
  },
  {
    name: "optional field omitted",
    type: point,
    value: { x: 1, y: 2 },
    bytes: '{"x": 1.0, "y": 2.0}',
    py: '{"x": 1.0, "y": 2.0}',
  },
  {
    name: "bytes inside a struct",
    type: keyFile,
    value: { name: "k", data: u8([1, 2, 3]) },
    bytes: '{"name": "k", "data": {"__tkr_bytes__": true, "bytes": "AQID"}}',
    py: '{"name": "k", "data": b"\\x01\\x02\\x03"}',
  },
  {
    name: "record keeps insertion order",
    type: t.record(t.int64),
    value: { b: 1n, a: 2n ** 60n },
    bytes: '{"b": 1, "a": 1152921504606846976}',
    py: '{"b": 1, "a": 2**60}',
  },
  { name: "empty record", type: t.record(t.string), value: {}, bytes: "{}", py: "{}" },
  {
    name: "record with a non-ASCII key",
    type: t.record(t.boolean),
    value: { clé: true },
    bytes: '{"cl\\u00e9": true}',
    py: '{"clé": True}',
  },
  {
    name: "list of structs",
    type: t.list(point),
    value: [{ x: 0.5, y: 1e100 }],
    bytes: '[{"x": 0.5, "y": 1e+100}]',
    py: '[{"x": 0.5, "y": 1e100}]',
  },
  { name: "enum member", type: color, value: "g", bytes: '"g"', py: '"g"' },
  { name: "numeric literal", type: t.literal([1, 2]), value: 2, bytes: "2", py: "2" },
  {
    name: "union: first variant that accepts (int)",
    type: t.union([t.int32, t.string]),
    value: 5,
    bytes: "5",
    py: "5",
  },
  { name: "union: second variant (string)", type: t.union([t.int32, t.string]), value: "5", bytes: '"5"', py: '"5"' },
  {
    name: "nullable struct holding null",
    type: t.union([point, t.null], "Shape"),
    value: null,
    bytes: "null",
    py: "None",
  },
  {
    name: "union with bytes: bytes raw at top level",
    type: t.union([t.string, t.bytes]),
    value: u8("raw"),
    bytes: "raw",
    py: 'b"raw"',
  },
  {
    name: "union with bytes: string as JSON",
    type: t.union([t.string, t.bytes]),
    value: "raw",
    bytes: '"raw"',
    py: '"raw"',
  },
  {
    name: "list of a union with bytes",
    type: t.list(t.union([t.int32, t.bytes])),
    value: [1, u8("x")],
    bytes: '[1, {"__tkr_bytes__": true, "bytes": "eA=="}]',
    py: '[1, b"x"]',
  },
];

describe("codec vectors", () => {
  for (const v of vectors) {
    it(`encodes ${v.name}`, () => {
      expect(text(encodeValue(v.value, v.type))).toBe(v.bytes);
    });
    it(`decodes ${v.name}`, () => {
      expect(decodeValue(u8(v.bytes), v.type)).toEqual(v.value);
    });
  }
});

describe("codec against python3", () => {
  it("writes the same bytes as Python json.dumps with the Tierkreis encoder", () => {
    const withPy = vectors.filter((v) => v.py !== undefined);
    // Tierkreis's TierkreisEncoder.default and bytes_from_ptype, restated: top-level bytes raw,
    // nested bytes as __tkr_bytes__ objects.
    const script = `
import base64, json, sys
class Enc(json.JSONEncoder):
    def default(self, o):
        if isinstance(o, bytes):
            return {"__tkr_bytes__": True, "bytes": base64.b64encode(o).decode()}
        return super().default(o)
def dump(v):
    return v if isinstance(v, bytes) else json.dumps(v, cls=Enc).encode()
for line in sys.stdin:
    print(base64.b64encode(dump(eval(line))).decode())
`;
    const out = execFileSync("python3", ["-c", script], { input: withPy.map((v) => v.py).join("\n") + "\n" });
    const lines = out.toString().trimEnd().split("\n");
    expect(lines).toHaveLength(withPy.length);
    withPy.forEach((v, i) => {
      const python = Buffer.from(lines[i]!, "base64").toString("latin1");
      const ours = Buffer.from(encodeValue(v.value, v.type)).toString("latin1");
      expect({ name: v.name, bytes: ours }).toEqual({ name: v.name, bytes: python });
    });
  });

  it("reads what Python writes for floats in every exponent range", () => {
    const samples = [
      // 9.999999999999999e15 is read as the nearest double, which is what Python writes for it.
      // eslint-disable-next-line no-loss-of-precision
      1e-10, 1.5e-5, 0.000123, 0.5, 7, 123456.789, 9.999999999999999e15, 1e16, 2.5e16, 1e300, 3.14159, 1e21, 1e22,
    ];
    const out = execFileSync("python3", ["-c", "import json,sys; [print(json.dumps(float(l))) for l in sys.stdin]"], {
      input: samples.map(String).join("\n") + "\n",
    });
    const lines = out.toString().trimEnd().split("\n");
    samples.forEach((x, i) => {
      expect(text(encodeValue(x, t.float64))).toBe(lines[i]);
      expect(decodeValue(u8(lines[i]!), t.float64)).toBe(x);
    });
  });
});

describe("decoding is driven by the declared type", () => {
  it("keeps a bytes port holding 123 as bytes", () => {
    const v = decodeValue(u8("123"), t.bytes);
    expect(v).toBeInstanceOf(Uint8Array);
    expect(text(v as Uint8Array)).toBe("123");
  });

  it("decodes the same file as an int only for an int port", () => {
    expect(decodeValue(u8("123"), t.int32)).toBe(123);
    expect(decodeValue(u8("123"), t.int64)).toBe(123n);
    expect(decodeValue(u8("123"), t.float64)).toBe(123);
    expect(() => decodeValue(u8("123"), t.string)).toThrow("expected string, got number 123");
  });

  it("never returns a string for an int port", () => {
    expect(() => decodeValue(u8('"1"'), t.int32)).toThrow(ValueError);
    expect(() => decodeValue(u8('"1"'), t.int32)).toThrow('expected int32, got string "1"');
  });

  it("does not round integers beyond 2^53", () => {
    expect(decodeValue(u8("9007199254740993"), t.int64)).toBe(9007199254740993n);
    expect(decodeValue(u8("[18446744073709551615]"), t.list(t.uint64))).toEqual([18446744073709551615n]);
  });

  it("gives a record of big ints in wire order", () => {
    const v = decodeValue(u8('{"z": 1, "a": 99999999999999999999}'), t.record(t.integer));
    expect(Object.keys(v as object)).toEqual(["z", "a"]);
    expect(v).toEqual({ z: 1n, a: 99999999999999999999n });
  });

  it("gives struct fields in declaration order whatever the wire order", () => {
    const v = decodeValue(u8('{"label": "p", "y": 2, "x": 1}'), point);
    expect(Object.keys(v as object)).toEqual(["x", "y", "label"]);
  });

  it("reads upstream's list of __tkr_bytes__ objects", () => {
    const file = '[{"__tkr_bytes__": true, "bytes": "aGVsbG8="}, {"__tkr_bytes__": true, "bytes": ""}]';
    const v = decodeValue(u8(file), t.list(t.bytes)) as Uint8Array[];
    expect(v.map(text)).toEqual(["hello", ""]);
  });

  it("accepts whitespace Python accepts and an int literal for a float port", () => {
    expect(decodeValue(u8(' {"x" :1,"y":\n2 } '), point)).toEqual({ x: 1, y: 2 });
  });

  it("keeps a property called __proto__ as data", () => {
    const v = decodeValue(u8('{"__proto__": 1}'), t.record(t.int32)) as Record<string, number>;
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(Object.keys(v)).toEqual(["__proto__"]);
  });

  it("treats null in an optional non-nullable struct field as absent", () => {
    expect(decodeValue(u8('{"x": 1.0, "y": 2.0, "label": null}'), point)).toEqual({ x: 1, y: 2 });
  });

  it("decodes a top-level union with bytes: JSON variants first, raw bytes last", () => {
    const type = t.union([t.bytes, t.int32]);
    expect(decodeValue(u8("7"), type)).toBe(7);
    expect(text(decodeValue(u8("not json"), type) as Uint8Array)).toBe("not json");
  });
});

describe("codec errors name what is wrong", () => {
  const decodeErrors: [string, ValueType, string, string][] = [
    ["a float for an int", t.int32, "1.5", "expected int32, got number 1.5"],
    ["an exponent for an int", t.int32, "1e3", "expected int32, got number 1e3"],
    ["an int out of range", t.int32, "2147483648", "out of range -2147483648..2147483647"],
    ["a negative uint", t.uint8, "-1", "out of range 0..255"],
    ["an int beyond 2^53 for a number port", t.int64AsNumber, "9007199254740993", "beyond 2^53"],
    ["a string that is not JSON", t.string, "hi", "not a JSON value"],
    ["invalid UTF-8", t.string, "\u00ff", "not a JSON value"],
    ["trailing data", t.int32, "1 2", "extra data"],
    ["an element of the wrong type", t.list(t.int32), '[1, "2"]', 'at [1]: expected int32, got string "2"'],
    [
      "a nested field of the wrong type",
      t.list(point),
      '[{"x": 1, "y": "a"}]',
      'at [0].y: expected float64, got string "a"',
    ],
    ["a missing struct field", point, '{"x": 1}', "Point: required field 'y' is missing"],
    ["an unknown struct field", point, '{"x": 1, "y": 2, "z": 3}', "Point has no field 'z'"],
    ["a value outside an enum", color, '"blue"', 'expected Color, got string "blue"'],
    ["bad base64 in nested bytes", t.list(t.bytes), '[{"__tkr_bytes__": true, "bytes": "abc"}]', "padded base64"],
    ["a plain string for nested bytes", t.list(t.bytes), '["YWI="]', "expected bytes"],
    ["no union variant", t.union([t.int32, t.boolean]), '"x"', 'expected int32 | boolean, got string "x"'],
    ["an empty file for a JSON port", t.int32, "", "not a JSON value"],
  ];
  for (const [name, type, bytes, message] of decodeErrors) {
    it(`decoding ${name}`, () => {
      const input = name === "invalid UTF-8" ? new Uint8Array([0x22, 0xff, 0x22]) : u8(bytes);
      expect(() => decodeValue(input, type)).toThrow(ValueError);
      expect(() => decodeValue(input, type)).toThrow(message);
    });
  }

  const encodeErrors: [string, ValueType, unknown, string][] = [
    ["a number beyond 2^53 for int64", t.int64, 2 ** 53 + 2, "beyond 2^53"],
    ["a fraction for an int", t.int32, 1.5, "expected int32, got number 1.5"],
    ["an int out of range", t.uint8, 256, "out of range 0..255"],
    ["a bigint out of range", t.int64, 2n ** 63n, "out of range"],
    ["a string for bytes", t.bytes, "ab", 'expected bytes, got string "ab"'],
    ["a missing struct field", point, { x: 1 }, "Point: required field 'y' is missing"],
    ["an extra struct field", point, { x: 1, y: 2, z: 3 }, "Point has no field 'z'"],
    ["an element of the wrong type", t.list(t.string), ["a", 1], "at [1]: expected string, got number 1"],
    ["a bigint for a float", t.float64, 1n, "expected float64, got bigint 1"],
    ["undefined", t.null, undefined, "expected null, got undefined"],
    ["an array for a record", t.record(t.int32), [1], "expected record<int32>, got array of 1"],
  ];
  for (const [name, type, value, message] of encodeErrors) {
    it(`encoding ${name}`, () => {
      expect(() => encodeValue(value, type)).toThrow(ValueError);
      expect(() => encodeValue(value, type)).toThrow(message);
    });
  }
});

describe("untyped values", () => {
  it("decodes JSON first and falls back to raw bytes", () => {
    expect(decodeUntyped(u8("4096"))).toBe(4096);
    expect(decodeUntyped(u8('"hi"'))).toBe("hi");
    expect(decodeUntyped(u8("12345678901234567890"))).toBe(12345678901234567890n);
    const raw = decodeUntyped(u8("-----BEGIN"));
    expect(raw).toBeInstanceOf(Uint8Array);
    expect(text(raw as Uint8Array)).toBe("-----BEGIN");
    expect(decodeUntyped(new Uint8Array([0xff, 0xfe]))).toEqual(new Uint8Array([0xff, 0xfe]));
  });

  it("decodes __tkr_bytes__ and __tkr_complex__ objects", () => {
    const v = decodeUntyped(
      u8('{"k": [{"__tkr_bytes__": true, "bytes": "YWI="}], "c": {"__tkr_complex__": [1.0, 2.0]}}'),
    );
    expect(v).toEqual({ k: [u8("ab")], c: new Complex(1, 2) });
  });

  it("encodes as upstream's bytes_from_ptype", () => {
    expect(text(encodeUntyped({ c: new Complex(1, 2), b: [u8("ab")], f: 1.5, i: 3, n: null }))).toBe(
      '{"c": {"__tkr_complex__": [1.0, 2.0]}, "b": [{"__tkr_bytes__": true, "bytes": "YWI="}], "f": 1.5, "i": 3, "n": null}',
    );
    expect(text(encodeUntyped(u8("raw")))).toBe("raw");
  });
});

describe("defaults from task descriptors", () => {
  it("turns a JSON default into the port's value", () => {
    expect(fromJsonValue(2048, t.int32)).toBe(2048);
    expect(fromJsonValue(2048, t.int64)).toBe(2048n);
    expect(fromJsonValue(2, t.float64)).toBe(2);
    expect(fromJsonValue({ x: 1, y: 2 }, point)).toEqual({ x: 1, y: 2 });
    expect(() => fromJsonValue("x", t.int32)).toThrow('expected int32, got string "x"');
  });
});

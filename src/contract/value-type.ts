/**
 * Value types: the declared type of every port, carried into generated stubs so that values are
 * encoded and decoded by what the spec says, not by what the bytes look like (an int port never
 * comes back as a string, a bytes port holding `123` stays bytes).
 *
 * Value types are plain JSON so that they can also be written to `worker.json` for launchers and
 * workers in other languages.
 */

/**
 * How a task's result is split into output ports, which the emitter decides and the runtime
 * follows. `ports`: the result is a `@portmapping` model, one output port per property.
 * `value`: any other result, one output port named `value`.
 */
export type OutputShape = "ports" | "value";

/** Integer scalars. `big` ports carry `bigint` in TypeScript (int64, uint64, integer). */
export interface IntType {
  readonly kind: "int";
  /** TypeSpec scalar name, e.g. `int32`, `uint64`, `integer`. */
  readonly scalar: string;
  /** Inclusive bounds as decimal strings (absent for unbounded `integer`). */
  readonly min?: string;
  readonly max?: string;
  /** TypeScript representation: `number` (checked for safe range) or `bigint`. */
  readonly big: boolean;
}

export interface FloatType {
  readonly kind: "float";
  readonly scalar: string;
}

export interface StringType {
  readonly kind: "string";
  readonly scalar: string;
}

export interface BytesType {
  readonly kind: "bytes";
}

export interface BoolType {
  readonly kind: "bool";
}

export interface NullType {
  readonly kind: "null";
}

export interface ListType {
  readonly kind: "list";
  readonly of: ValueType;
}

export interface RecordType {
  readonly kind: "record";
  readonly of: ValueType;
}

export interface StructField {
  readonly name: string;
  readonly type: ValueType;
  readonly optional?: boolean;
}

/** A model: fields in declaration order (the wire order). */
export interface StructType {
  readonly kind: "struct";
  readonly name: string;
  readonly fields: readonly StructField[];
}

/** An enum or a literal type: one of a fixed set of JSON values. */
export interface LiteralType {
  readonly kind: "literal";
  readonly name?: string;
  readonly values: readonly (string | number | boolean)[];
}

/** A union: a value is decoded as the first variant that accepts it. */
export interface UnionType {
  readonly kind: "union";
  readonly name?: string;
  readonly of: readonly ValueType[];
}

/**
 * Any value (a template parameter of a generic operation): encoded and decoded without a type, as
 * Tierkreis does for an unannotated port (JSON, else raw bytes).
 */
export interface AnyType {
  readonly kind: "any";
}

export type ValueType =
  | AnyType
  | IntType
  | FloatType
  | StringType
  | BytesType
  | BoolType
  | NullType
  | ListType
  | RecordType
  | StructType
  | LiteralType
  | UnionType;

function int<B extends boolean>(
  scalar: string,
  min: bigint | undefined,
  max: bigint | undefined,
  big: B,
): IntType & { readonly big: B } {
  return {
    kind: "int",
    scalar,
    ...(min === undefined ? {} : { min: String(min) }),
    ...(max === undefined ? {} : { max: String(max) }),
    big,
  };
}

declare const tsType: unique symbol;

/** A struct whose TypeScript type is a declared interface (`t.struct<Point>(...)` in stubs). */
export type TypedStruct<T> = StructType & { readonly [tsType]: T };

/**
 * A model's value type. Written `t.struct<Point>("Point", [...])` the TypeScript type is the
 * interface the stubs declare (it keeps its name and docs); written without a type argument it is
 * derived from the fields.
 */
function struct<const F extends readonly StructField[]>(name: string, fields: F): StructType & { readonly fields: F };
function struct<T>(name: string, fields: readonly StructField[]): TypedStruct<T>;
function struct(name: string, fields: readonly StructField[]): StructType {
  return { kind: "struct", name, fields };
}

const signed = (bits: number) => [-(2n ** BigInt(bits - 1)), 2n ** BigInt(bits - 1) - 1n] as const;
const unsigned = (bits: number) => [0n, 2n ** BigInt(bits) - 1n] as const;

/**
 * Builders used by generated stubs (`t.int32`, `t.list(t.bytes)`, ...). The 64-bit and unbounded
 * integers come in two flavours because the emitter option `int64` decides whether they are
 * `bigint` (`t.int64`) or range-checked `number` (`t.int64AsNumber`).
 */
export const t = {
  int8: int("int8", ...signed(8), false),
  int16: int("int16", ...signed(16), false),
  int32: int("int32", ...signed(32), false),
  uint8: int("uint8", ...unsigned(8), false),
  uint16: int("uint16", ...unsigned(16), false),
  uint32: int("uint32", ...unsigned(32), false),
  safeint: int("safeint", -(2n ** 53n - 1n), 2n ** 53n - 1n, false),
  int64: int("int64", ...signed(64), true),
  uint64: int("uint64", ...unsigned(64), true),
  integer: int("integer", undefined, undefined, true),
  int64AsNumber: int("int64", ...signed(64), false),
  uint64AsNumber: int("uint64", ...unsigned(64), false),
  integerAsNumber: int("integer", undefined, undefined, false),
  float32: { kind: "float", scalar: "float32" } as FloatType,
  float64: { kind: "float", scalar: "float64" } as FloatType,
  float: { kind: "float", scalar: "float" } as FloatType,
  string: { kind: "string", scalar: "string" } as StringType,
  url: { kind: "string", scalar: "url" } as StringType,
  bytes: { kind: "bytes" } as BytesType,
  boolean: { kind: "bool" } as BoolType,
  null: { kind: "null" } as NullType,
  any: { kind: "any" } as AnyType,
  // The builders below keep their arguments' exact types (`ListType & { of: BytesType }`) so that
  // the graph builder and the stubs can derive the TypeScript type of a value from its value type (`TsOf`).
  list: <D extends ValueType>(of: D): ListType & { readonly of: D } => ({ kind: "list", of }),
  record: <D extends ValueType>(of: D): RecordType & { readonly of: D } => ({ kind: "record", of }),
  struct,
  field: <N extends string, D extends ValueType, O extends boolean = false>(
    name: N,
    type: D,
    optional?: O,
  ): StructField & { readonly name: N; readonly type: D; readonly optional?: O } =>
    (optional ? { name, type, optional } : { name, type }) as StructField & {
      readonly name: N;
      readonly type: D;
      readonly optional?: O;
    },
  literal: <const V extends readonly (string | number | boolean)[]>(
    values: V,
    name?: string,
  ): LiteralType & { readonly values: V } =>
    name === undefined ? { kind: "literal", values } : { kind: "literal", name, values },
  union: <const U extends readonly ValueType[]>(of: U, name?: string): UnionType & { readonly of: U } =>
    name === undefined ? { kind: "union", of } : { kind: "union", name, of },
} as const;

/** A short human-readable name of a type, for error messages (`list<bytes>`, `KeyPair`). */
export function typeName(type: ValueType): string {
  switch (type.kind) {
    case "int":
    case "float":
    case "string":
      return type.scalar;
    case "bytes":
      return "bytes";
    case "bool":
      return "boolean";
    case "null":
      return "null";
    case "any":
      return "any";
    case "list":
      return `list<${typeName(type.of)}>`;
    case "record":
      return `record<${typeName(type.of)}>`;
    case "struct":
      return type.name;
    case "literal":
      return type.name ?? type.values.map((v) => JSON.stringify(v)).join(" | ");
    case "union":
      return type.name ?? type.of.map(typeName).join(" | ");
  }
}

/**
 * The TypeScript type of a value from its value type, so that `graph({ inputs: { n: t.int32 } })`
 * gives `inputs.n: Ref<number>` and generated stubs derive their tasks' TypeScript types: the
 * value type used to check and encode the value at run time is the same one the type checker reads.
 */
import type { StructField, TypedStruct, ValueType } from "../contract/value-type.js";

type Simplify<T> = { [K in keyof T]: T[K] } & {};

type FieldsOf<F extends readonly StructField[]> = Simplify<
  { [P in F[number] as P extends { optional: true } ? never : P["name"]]: TsOf<P["type"]> } & {
    [P in F[number] as P extends { optional: true } ? P["name"] : never]?: TsOf<P["type"]>;
  }
>;

/** `unknown` for a value type typed only as `ValueType` (its value could be anything). */
export type TsOf<D> = [ValueType] extends [D] ? unknown : Known<D>;

type Known<D> =
  D extends TypedStruct<infer T>
    ? T
    : D extends { kind: "any" }
      ? unknown
      : D extends { kind: "int"; big: true }
        ? bigint
        : D extends { kind: "int"; big: false }
          ? number
          : D extends { kind: "int" }
            ? number | bigint
            : D extends { kind: "float" }
              ? number
              : D extends { kind: "string" }
                ? string
                : D extends { kind: "bytes" }
                  ? Uint8Array
                  : D extends { kind: "bool" }
                    ? boolean
                    : D extends { kind: "null" }
                      ? null
                      : D extends { kind: "list"; of: infer E }
                        ? TsOf<E>[]
                        : D extends { kind: "record"; of: infer E }
                          ? Record<string, TsOf<E>>
                          : D extends { kind: "struct"; fields: infer F extends readonly StructField[] }
                            ? FieldsOf<F>
                            : D extends { kind: "literal"; values: readonly (infer V)[] }
                              ? V
                              : D extends { kind: "union"; of: readonly (infer U)[] }
                                ? TsOf<U>
                                : D extends ValueType
                                  ? unknown
                                  : never;

/** A record of value types (graph inputs, or the ports of a graph's output). */
export type PortTypes = Readonly<Record<string, ValueType>>;

export type TsOfPorts<P> = { [K in keyof P]: TsOf<P[K]> };

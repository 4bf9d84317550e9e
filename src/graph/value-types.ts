/**
 * The TypeScript type of a value from its run-time type descriptor, so that
 * `graph({ inputs: { n: t.int32 } })` gives `inputs.n: Ref<number>` and the descriptor used to
 * check and encode the value at run time is the same one the type checker reads.
 */
import type { FieldDesc, TypeDesc } from "../runtime-contract/types.js";

type Simplify<T> = { [K in keyof T]: T[K] } & {};

type FieldsOf<F extends readonly FieldDesc[]> = Simplify<
  { [P in F[number] as P extends { optional: true } ? never : P["name"]]: TsOf<P["type"]> } & {
    [P in F[number] as P extends { optional: true } ? P["name"] : never]?: TsOf<P["type"]>;
  }
>;

/** `unknown` for a descriptor typed only as `TypeDesc` (its value could be anything). */
export type TsOf<D> = [TypeDesc] extends [D] ? unknown : Known<D>;

type Known<D> = D extends { kind: "int"; big: true }
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
                    : D extends { kind: "struct"; fields: infer F extends readonly FieldDesc[] }
                      ? FieldsOf<F>
                      : D extends { kind: "literal"; values: readonly (infer V)[] }
                        ? V
                        : D extends { kind: "union"; of: readonly (infer U)[] }
                          ? TsOf<U>
                          : D extends TypeDesc
                            ? unknown
                            : never;

/** A record of descriptors (graph inputs, or the ports of a graph's output). */
export type PortTypes = Readonly<Record<string, TypeDesc>>;

export type TsOfPorts<P> = { [K in keyof P]: TsOf<P[K]> };

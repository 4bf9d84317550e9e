/**
 * The statements of a stubs file as plain data, built on the main thread without loading ts-morph
 * (which loads the TypeScript compiler) and printed on a printing thread. Interfaces, type aliases
 * and the import are ts-morph structures with their `kind` as a name; constants carry their
 * initializer as an `Expr`, laid out by `layout.ts`.
 */
import type {
  ImportDeclarationStructure,
  InterfaceDeclarationStructure,
  JSDocStructure,
  OptionalKind,
  TypeAliasDeclarationStructure,
} from "ts-morph";
import type { Expr } from "./expr.js";

type Plain<S, K extends string> = Omit<S, "kind"> & { readonly kind: K };

export type PlainInterface = Plain<InterfaceDeclarationStructure, "Interface">;

/** `[export] const <name> = <init>;` */
export interface PlainConst {
  readonly kind: "Const";
  readonly name: string;
  readonly exported: boolean;
  readonly docs: OptionalKind<JSDocStructure>[];
  readonly init: Expr;
}

export type PlainStatement =
  | string
  | PlainInterface
  | PlainConst
  | Plain<TypeAliasDeclarationStructure, "TypeAlias">
  | Plain<ImportDeclarationStructure, "ImportDeclaration">;

export interface StubsFile {
  readonly statements: readonly PlainStatement[];
}

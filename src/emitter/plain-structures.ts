/**
 * ts-morph structures with their `kind` as a name instead of ts-morph's enum value, so that the
 * main thread builds them without loading ts-morph (which loads the TypeScript compiler). The
 * printing thread turns them into real structures. Every variable statement we write is `const`.
 */
import type {
  ImportDeclarationStructure,
  InterfaceDeclarationStructure,
  SourceFileStructure,
  TypeAliasDeclarationStructure,
  VariableStatementStructure,
} from "ts-morph";

type Plain<S, K extends string> = Omit<S, "kind" | "declarationKind"> & { readonly kind: K };

export type PlainInterface = Plain<InterfaceDeclarationStructure, "Interface">;
export type PlainStatement =
  | string
  | PlainInterface
  | Plain<VariableStatementStructure, "VariableStatement">
  | Plain<TypeAliasDeclarationStructure, "TypeAlias">
  | Plain<ImportDeclarationStructure, "ImportDeclaration">;

export interface StubsFile {
  readonly statements: readonly PlainStatement[];
}

/** The real structure, on a thread that has ts-morph loaded. */
export function toSourceFileStructure(
  file: StubsFile,
  kinds: { StructureKind: typeof import("ts-morph").StructureKind; VariableDeclarationKind: typeof import("ts-morph").VariableDeclarationKind },
): SourceFileStructure {
  const { StructureKind, VariableDeclarationKind } = kinds;
  return {
    kind: StructureKind.SourceFile,
    statements: file.statements.map((s) => {
      if (typeof s === "string") return s;
      switch (s.kind) {
        case "Interface":
          return { ...s, kind: StructureKind.Interface };
        case "VariableStatement":
          return { ...s, kind: StructureKind.VariableStatement, declarationKind: VariableDeclarationKind.Const };
        case "TypeAlias":
          return { ...s, kind: StructureKind.TypeAlias };
        case "ImportDeclaration":
          return { ...s, kind: StructureKind.ImportDeclaration };
      }
    }),
  };
}

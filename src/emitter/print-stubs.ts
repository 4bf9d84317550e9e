/**
 * Stubs structures → formatted TypeScript text. Runs on printing threads, so it imports neither
 * the TypeSpec compiler nor anything holding program state: its input is plain data.
 */
import { printStructure, StructureKind, VariableDeclarationKind } from "ts-morph";
import { toSourceFileStructure, type StubsFile } from "./plain-structures.js";
import { formatTypeScript } from "./prettier.js";

export function printStubs(file: StubsFile): Promise<string> {
  const structure = toSourceFileStructure(file, { StructureKind, VariableDeclarationKind });
  // Printed straight from the structures, no AST; prettier then lays the text out.
  return formatTypeScript(printStructure(structure, { indentNumberOfSpaces: 2 }));
}

export default printStubs;

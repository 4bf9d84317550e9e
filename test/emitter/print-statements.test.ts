import { printStructure, StructureKind, VariableDeclarationKind, type StatementStructures } from "ts-morph";
import { describe, expect, it } from "vitest";
import { flatText } from "../../src/emitter/expr.js";
import type { PlainConst, PlainStatement, StubsFile } from "../../src/emitter/plain-structures.js";
import { printStatements } from "../../src/emitter/print-statements.js";
import { stubsStructure } from "../../src/emitter/stubs.js";
import { collectWorkers } from "../../src/model/collect.js";
import { generateSpec } from "../fuzz/spec-generator.js";
import { Tester } from "../support/tester.js";

/** What the printer replaced: ts-morph's `printStructure` of the same statements. */
function tsMorphText(file: StubsFile, init: (c: PlainConst) => string): string {
  const statement = (s: PlainStatement): string | StatementStructures => {
    if (typeof s === "string") return s;
    switch (s.kind) {
      case "Interface":
        return { ...s, kind: StructureKind.Interface };
      case "TypeAlias":
        return { ...s, kind: StructureKind.TypeAlias };
      case "ImportDeclaration":
        return { ...s, kind: StructureKind.ImportDeclaration };
      case "Const":
        return {
          kind: StructureKind.VariableStatement,
          declarationKind: VariableDeclarationKind.Const,
          isExported: s.exported,
          docs: s.docs,
          declarations: [{ name: s.name, initializer: init(s) }],
        };
    }
  };
  return printStructure(
    { kind: StructureKind.SourceFile, statements: file.statements.map(statement) },
    { indentNumberOfSpaces: 2 },
  );
}

describe("statement printer", () => {
  it("prints what ts-morph printed, for the stubs of generated specs", async () => {
    let files = 0;
    for (let seed = 1; seed <= 3; seed++) {
      const source = generateSpec(seed, 30, "accepted").replace(/^import "typespec-workers";\nusing Workers;/m, "");
      const [{ program }] = await Tester.compileAndDiagnose(source); // warnings (a task named `then`) are expected
      const { workers } = collectWorkers(program);
      for (const worker of workers) {
        const structure = stubsStructure(program, worker, {
          bigints: seed % 2 === 0,
          runtimeModule: "typespec-workers/runtime",
        });
        // The fast layout path: exactly the same text.
        const placeholder = () => "__init__";
        expect(printStatements(structure, placeholder), `seed ${seed}, worker ${worker.name}`).toBe(
          tsMorphText(structure, placeholder),
        );
        // The prettier path: ts-morph indented the lines of a multi-line initializer, which prettier redoes anyway.
        const flat = (c: PlainConst) => flatText(c.init);
        const unindented = (text: string) => text.replace(/^ +/gm, "");
        expect(unindented(printStatements(structure, flat)), `seed ${seed}, worker ${worker.name}`).toBe(
          unindented(tsMorphText(structure, flat)),
        );
        files++;
      }
    }
    expect(files).toBe(90);
  });
});

// Imports point one way: every relative import of every `src/**/*.ts` file is checked against the
// layer order in layers.ts (compile time and run time meet only in src/contract).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../support/tester.js";
import { checkFiles, checkImports, KNOWN_EXCEPTIONS, LAYERS, layerOf, sourceFiles } from "./layers.js";

describe("the layer order of src/", () => {
  const files = sourceFiles(repoRoot);

  it("no source file imports a layer it may not (each problem names the file and the import)", () => {
    const problems = checkFiles(repoRoot, files).map((p) => p.message);
    expect(problems).toEqual([]);
  });

  it("every known exception is still needed (the list only shrinks)", () => {
    const breaking = checkFiles(repoRoot, files, []).map((p) => `${p.file} -> ${p.target}`);
    for (const e of KNOWN_EXCEPTIONS) expect(breaking, e.why).toContain(`${e.from} -> ${e.to}`);
  });

  it("every source file belongs to a layer and every layer's home exists", () => {
    expect(files.length).toBeGreaterThan(100);
    expect(files.filter((f) => layerOf(f) === undefined)).toEqual([]);
    for (const layer of LAYERS)
      for (const home of layer.homes) expect(existsSync(join(repoRoot, home)), `${layer.name}: ${home}`).toBe(true);
  });
});

describe("the import checker", () => {
  it("reports an import against the order, naming the file, the import and the layers", () => {
    // The import this session removed: a decorator reaching into the emitter.
    const problems = checkImports(
      "src/decorators/launch.ts",
      'import { parseTemplate } from "../emitter/launcher-template.js";\n',
    );
    expect(problems).toEqual([
      {
        file: "src/decorators/launch.ts",
        specifier: "../emitter/launcher-template.js",
        target: "src/emitter/launcher-template.ts",
        message:
          "src/decorators/launch.ts (library) imports ../emitter/launcher-template.js (emitter): library may import only contract",
      },
    ]);
  });

  it("sees dynamic imports, import types and re-exports, not imports in comments or strings", () => {
    const text = [
      '// import { x } from "../graph/controller.js";',
      "const s = \"import { y } from '../graph/status.js'\";",
      'export { collectWorkers } from "../model/collect.js";',
      'type T = import("../runtime/task.js").TaskDesc;',
      'const { run } = await import("../graph/controller.js");',
    ].join("\n");
    expect(checkImports("src/emitter/emit.ts", text).map((p) => p.specifier)).toEqual([
      "../runtime/task.js",
      "../graph/controller.js",
    ]);
  });

  it("keeps compile time and run time apart in both directions, and allows the shared contract", () => {
    expect(checkImports("src/graph/controller.ts", 'import { x } from "../model/collect.js";')).toHaveLength(1);
    expect(checkImports("src/runtime/sdk.ts", 'import { x } from "../decorators/state.js";')).toHaveLength(1);
    expect(checkImports("src/model/collect.ts", 'import { x } from "../runtime/index.js";')).toHaveLength(1);
    expect(checkImports("src/contract/codec.ts", 'import { x } from "../runtime/storage.js";')).toHaveLength(1);
    expect(checkImports("src/graph/executors/shell.ts", 'import { x } from "../../pool/load.js";')).toHaveLength(1);
    expect(checkImports("src/model/collect.ts", 'import { t } from "../contract/types.js";')).toEqual([]);
    expect(checkImports("src/graph/builder.ts", 'import { t } from "../contract/types.js";')).toEqual([]);
    expect(checkImports("src/graph/executors/shell.ts", 'import { x } from "../run-files.js";')).toEqual([]);
  });

  it("keeps the controller from the executors: only run() and resume() above both join them", () => {
    // The imports this session removed: the task runner choosing executors itself.
    const choose = 'import { chooseExecutors } from "./executors/choose.js";';
    expect(checkImports("src/graph/controller.ts", choose).map((p) => p.message)).toEqual([
      "src/graph/controller.ts (graph) imports ./executors/choose.js (executors): graph may import only runtime, contract",
    ]);
    expect(checkImports("src/graph/run.ts", choose)).toEqual([]);
    expect(checkImports("src/graph/executors/shell.ts", 'import { run } from "../run.js";')).toHaveLength(1);
  });

  it("refuses the compiler and the stubs printers at run time, wherever the import is", () => {
    const problems = checkImports(
      "src/runtime/sdk.ts",
      'import type { Program } from "@typespec/compiler";\nconst p = await import("prettier/standalone");\n',
    );
    expect(problems.map((p) => p.message)).toEqual([
      "src/runtime/sdk.ts (runtime) imports @typespec/compiler: runtime runs without @typespec/compiler",
      "src/runtime/sdk.ts (runtime) imports prettier/standalone: runtime runs without prettier",
    ]);
    expect(checkImports("src/emitter/emit.ts", 'import { navigateProgram } from "@typespec/compiler";')).toEqual([]);
    expect(checkImports("src/graph/builder.ts", 'import { join } from "node:path";')).toEqual([]);
  });

  it("names a file outside every layer", () => {
    const [problem] = checkImports("src/new-folder/thing.ts", 'import { t } from "../contract/types.js";');
    expect(problem?.message).toContain("src/new-folder/thing.ts is in no layer");
  });
});

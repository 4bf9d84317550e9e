/**
 * Compiling Tierkreis spec files unchanged. Upstream's `schema.tsp` files have no `import` and no
 * `using`: `@portmapping` is simply in scope. We compile them with the library imported and
 * `using Workers;` appended in memory (after the last line, so every diagnostic keeps its line and
 * column); the file on disk is never touched.
 *
 * Upstream's dialect also has `bool` (TypeSpec's is `boolean`): a bare spec gets it as a scalar
 * extending `boolean`, appended the same way, unless the spec declares its own `bool`.
 */
import {
  compile,
  createSourceFile,
  NodeHost,
  type CompilerHost,
  type Diagnostic,
  type Program,
} from "@typespec/compiler";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The package root: the emitter and library are loaded from here, wherever the spec lives. */
const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/** A bare spec neither imports the library nor opens its namespace. */
export function isBareSpec(text: string): boolean {
  return !/^\s*using\s+Workers\s*;/m.test(text) && !/^\s*import\s+"typespec-workers"/m.test(text);
}

const BOOL = "scalar bool extends boolean;\n";

function declaresBool(text: string): boolean {
  return /\b(scalar|model|enum|union|alias)\s+bool\b/.test(text);
}

export interface BareSpecOptions {
  /** Where the workers' folders go. */
  readonly outputDir: string;
  /** Emitter options, as under `options.typespec-workers` in tspconfig.yaml. */
  readonly emitterOptions?: Record<string, unknown>;
  /** Check only, write nothing. */
  readonly noEmit?: boolean;
}

export async function compileBareSpec(specFile: string, options: BareSpecOptions): Promise<Program> {
  const main = resolve(specFile);
  const host: CompilerHost = {
    ...NodeHost,
    async readFile(path) {
      const file = await NodeHost.readFile(path);
      if (resolve(path) !== main || !isBareSpec(file.text)) return file;
      return createSourceFile(`${file.text}\nusing Workers;\n${declaresBool(file.text) ? "" : BOOL}`, file.path);
    },
  };
  return compile(host, main, {
    additionalImports: [packageRoot],
    emit: options.noEmit ? [] : [packageRoot],
    noEmit: options.noEmit,
    options: {
      "typespec-workers": { ...options.emitterOptions, "emitter-output-dir": resolve(options.outputDir) },
    },
  });
}

export function errorsOf(program: Program): readonly Diagnostic[] {
  return program.diagnostics.filter((d) => d.severity === "error");
}

/**
 * The layer order of `src/`: which folder may import which. Compile time (library → model →
 * emitter) and run time (runtime → graph → executors → pool) meet only in `src/contract`, the
 * vocabulary both sides must agree on byte for byte (type descriptors, the JSON text and value
 * codec, resource rules). `run` and `resume` (src/graph/run.ts) hand the controller the executors,
 * so the graph layer never imports them. The command line and the viewer sit on top. Nothing that runs graphs
 * loads the compiler or the stubs printers. `imports.test.ts` checks every import of every source
 * file against this table.
 */
import { readdirSync, readFileSync } from "node:fs";
import { posix, sep } from "node:path";
import ts from "typescript";

export interface Layer {
  readonly name: string;
  /** Files (`src/lib.ts`) and folders (`src/model/`, with a trailing slash) that belong to it. */
  readonly homes: readonly string[];
  /** Layers it may import besides itself. */
  readonly mayImport: readonly string[];
  /** Packages it must not load (the compiler and the emitter's printers, for what runs graphs). */
  readonly refusesPackages?: readonly string[];
}

/** What compile time loads: never at run time, where stubs, workers and the controller run. */
const COMPILER_PACKAGES = ["@typespec/compiler", "ts-morph", "prettier", "piscina"];

const COMPILE = ["library", "model", "emitter"];
const RUN = ["runtime", "graph", "executors", "pool"];

export const LAYERS: readonly Layer[] = [
  { name: "contract", homes: ["src/contract/"], mayImport: [], refusesPackages: COMPILER_PACKAGES },
  // Compile time.
  { name: "library", homes: ["src/lib.ts", "src/decorators/", "generated-defs/"], mayImport: ["contract"] },
  { name: "model", homes: ["src/model/"], mayImport: ["library", "contract"] },
  { name: "emitter", homes: ["src/emitter/"], mayImport: ["model", "library", "contract"] },
  {
    name: "compile entries",
    homes: ["src/index.ts", "src/tsp-index.ts", "src/tierkreis/"],
    mayImport: [...COMPILE, "contract"],
  },
  // Run time.
  { name: "runtime", homes: ["src/runtime/"], mayImport: ["contract"], refusesPackages: COMPILER_PACKAGES },
  { name: "graph", homes: ["src/graph/"], mayImport: ["runtime", "contract"], refusesPackages: COMPILER_PACKAGES },
  {
    name: "executors",
    homes: ["src/graph/executors/"],
    mayImport: ["graph", "runtime", "contract"],
    refusesPackages: COMPILER_PACKAGES,
  },
  {
    name: "pool",
    homes: ["src/pool/"],
    mayImport: ["executors", "graph", "runtime", "contract"],
    refusesPackages: COMPILER_PACKAGES,
  },
  // `run` and `resume`: the controller (graph) handed the executors, so the graph never imports them.
  {
    name: "run entry",
    homes: ["src/graph/run.ts"],
    mayImport: ["executors", "graph", "runtime", "contract"],
    refusesPackages: COMPILER_PACKAGES,
  },
  // The published `typespec-workers/graph` entry gathers the graph, its executors, run and the pool.
  {
    name: "graph entry",
    homes: ["src/graph/index.ts"],
    mayImport: [...RUN, "run entry", "contract"],
    refusesPackages: COMPILER_PACKAGES,
  },
  // On top.
  {
    name: "view",
    homes: ["src/view/"],
    mayImport: ["graph entry", "run entry", ...RUN, "contract"],
    refusesPackages: COMPILER_PACKAGES,
  },
  {
    name: "cli",
    homes: ["src/cli/"],
    mayImport: ["view", "graph entry", "run entry", ...RUN, "compile entries", ...COMPILE, "contract"],
  },
];

/**
 * Imports that break the order today, each with why it stays and what removes it. The test fails
 * when one of them is gone, so the list only shrinks.
 */
export const KNOWN_EXCEPTIONS: readonly { readonly from: string; readonly to: string; readonly why: string }[] = [];

/** The most specific layer a repository path belongs to (`src/graph/executors/` before `src/graph/`). */
export function layerOf(path: string): Layer | undefined {
  let best: { layer: Layer; length: number } | undefined;
  for (const layer of LAYERS) {
    for (const home of layer.homes) {
      const matches = home.endsWith("/") ? path.startsWith(home) : path === home;
      if (matches && (!best || home.length > best.length)) best = { layer, length: home.length };
    }
  }
  return best?.layer;
}

export interface ImportProblem {
  readonly file: string;
  /** The specifier as written. */
  readonly specifier: string;
  /** The repository path it resolves to (`.js` read as the `.ts` it is compiled from). */
  readonly target: string;
  readonly message: string;
}

/**
 * The relative imports of one file (static, `export ... from`, dynamic `import()` and `import()`
 * types), found by TypeScript's own pre-processor so comments and strings are not mistaken for them.
 */
export function relativeImports(text: string): string[] {
  return importSpecifiers(text).filter(isRelative);
}

/** Every import specifier of a file, relative or a package. */
export function importSpecifiers(text: string): string[] {
  return ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
}

const isRelative = (s: string) => s.startsWith("./") || s.startsWith("../");

/** The package a bare specifier loads: `@typespec/compiler/utils` → `@typespec/compiler`. */
function packageOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

/** Problems with the imports of `file` (a repository path such as `src/model/collect.ts`) whose text is `text`. */
export function checkImports(
  file: string,
  text: string,
  exceptions: readonly { readonly from: string; readonly to: string }[] = KNOWN_EXCEPTIONS,
): ImportProblem[] {
  const from = layerOf(file);
  const problems: ImportProblem[] = [];
  for (const specifier of importSpecifiers(text)) {
    if (!isRelative(specifier)) {
      const name = packageOf(specifier);
      if (from?.refusesPackages?.includes(name))
        problems.push({
          file,
          specifier,
          target: name,
          message: `${file} (${from.name}) imports ${specifier}: ${from.name} runs without ${name}`,
        });
      continue;
    }
    const target = posix.normalize(posix.join(posix.dirname(file), specifier)).replace(/\.js$/, ".ts");
    const to = layerOf(target);
    const at = { file, specifier, target };
    if (!from) {
      problems.push({ ...at, message: `${file} is in no layer: add its folder to LAYERS in test/repo/layers.ts` });
    } else if (!to) {
      problems.push({ ...at, message: `${file} imports ${specifier}, which is in no layer` });
    } else if (to !== from && !from.mayImport.includes(to.name)) {
      if (exceptions.some((e) => e.from === file && e.to === target)) continue;
      problems.push({
        ...at,
        message: `${file} (${from.name}) imports ${specifier} (${to.name}): ${from.name} may import only ${
          from.mayImport.length > 0 ? from.mayImport.join(", ") : "nothing else"
        }`,
      });
    }
  }
  return problems;
}

/** Every TypeScript source under `src/`, as repository paths. */
export function sourceFiles(root: string): string[] {
  return readdirSync(posix.join(root, "src"), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
    .map((f) => posix.join("src", f.split(sep).join("/")))
    .sort();
}

/** `checkImports` over files on disk, given as repository paths under `root`. */
export function checkFiles(
  root: string,
  files: readonly string[],
  exceptions?: readonly { readonly from: string; readonly to: string }[],
): ImportProblem[] {
  return files.flatMap((f) => checkImports(f, readFileSync(posix.join(root, f), "utf8"), exceptions));
}

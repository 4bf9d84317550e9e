import {
  emitFile,
  getSourceLocation,
  joinPaths,
  NoTarget,
  type Diagnostic,
  type DiagnosticTarget,
  type EmitContext,
  type Program,
} from "@typespec/compiler";
import { reportDiagnostic, type WorkersEmitterOptions } from "../lib.js";
import { collectWorkers } from "../model/collect.js";
import type { WorkerModel } from "../model/model.js";
import { renderManifest } from "./manifest.js";
import { pythonStubs } from "./python-stubs.js";
import { needsLauncher, renderLauncher, renderSharedRuntime } from "./launcher.js";
import { SHARED_RUNTIME_FILE } from "./launcher-runtime.js";
import { printStubsOnThread, startStubsPrinter } from "./stubs-printer.js";
import { stubsStructure } from "./stubs.js";

type Artifact = "stubs" | "launchers" | "manifests" | "python";

interface OutputFile {
  readonly path: string;
  readonly content: string | Promise<string>;
  /** Launchers are run directly by executors (`<registry>/<worker>/main.sh`). */
  readonly executable?: boolean;
}

export async function $onEmit(context: EmitContext<WorkersEmitterOptions>): Promise<void> {
  const { program } = context;
  // Importing this module starts nothing (the package's main entry exports it): the printing
  // threads start here, and load ts-morph and prettier while this thread builds the structures.
  const printsStubs = (context.options.emit ?? ["stubs"]).includes("stubs");
  if (printsStubs) startStubsPrinter();
  const libraries = context.options["library-workers"] ?? [];
  const { workers, diagnostics } = collectWorkers(program, { libraries });
  // Validation has reported the project's own; library workers are checked only when emitted.
  if (libraries.length) program.reportDiagnostics(diagnostics.filter((d) => inLibrary(program, d)));
  // With an error the output would be incomplete, so write none.
  if (diagnostics.some((d) => d.severity === "error") || program.hasError()) return;
  if (workers.length === 0) reportDiagnostic(program, { code: "no-workers", target: NoTarget });

  const layout = context.options["output-layout"] ?? "folders";
  const artifacts = new Set<Artifact>(
    context.options.emit ?? (layout === "flat" ? ["stubs"] : ["stubs", "launchers", "manifests"]),
  );
  const stubsOptions = {
    bigints: (context.options.int64 ?? "bigint") === "bigint",
    runtimeModule: context.options["runtime-module"] ?? "typespec-workers/runtime",
  };
  const dir = context.emitterOutputDir;
  const inFolder = (worker: WorkerModel, file: string) =>
    layout === "flat"
      ? joinPaths(dir, `${worker.name}${file === "stubs.ts" ? ".ts" : `.${file}`}`)
      : joinPaths(dir, worker.name, file);

  const files: OutputFile[] = [];
  if (artifacts.has("stubs")) {
    for (const worker of workers) {
      const structure = stubsStructure(program, worker, stubsOptions);
      files.push({ path: inFolder(worker, "stubs.ts"), content: printStubsOnThread(structure) });
    }
  }
  if (artifacts.has("python")) {
    for (const worker of workers) {
      const stubs = pythonStubs(program, worker.iface);
      program.reportDiagnostics(stubs.diagnostics);
      if (stubs.text !== undefined) files.push({ path: inFolder(worker, "stubs.py"), content: stubs.text });
    }
    if (program.hasError()) return;
  }
  const runtime = context.options["launcher-runtime"] ?? "inline";
  for (const worker of workers) {
    if (artifacts.has("manifests"))
      files.push({ path: inFolder(worker, "worker.json"), content: renderManifest(worker) });
    // A worker whose tasks say nothing of how to launch them is run from its code: a launcher
    // would only fail every task with a missing `<task>.sh`, and `auto` would choose it.
    if (artifacts.has("launchers") && needsLauncher(worker)) {
      files.push({
        path: inFolder(worker, "main.sh"),
        content: renderLauncher(worker, { specFile: worker.specFile, runtime }),
        executable: true,
      });
    }
  }
  if (artifacts.has("launchers") && runtime === "shared" && layout === "folders" && workers.some(needsLauncher)) {
    files.push({ path: joinPaths(dir, SHARED_RUNTIME_FILE), content: renderSharedRuntime() });
  }

  // Everything is rendered (and printed, concurrently) before the first file is written: a
  // failure part-way leaves no output that looks complete.
  const contents = await context.perf.timeAsync("print", () => Promise.all(files.map((f) => f.content)));
  await context.perf.timeAsync("write", () =>
    Promise.all(files.map((f, i) => emitFile(program, { path: f.path, content: contents[i]! }))),
  );
  await Promise.all(files.filter((f) => f.executable).map((f) => makeExecutable(f.path)));
}

/** emitFile has no file mode: set it on disk. A virtual file system (tests) has no such file. */
async function makeExecutable(path: string): Promise<void> {
  const { chmod } = await import("node:fs/promises");
  await chmod(path, 0o755).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== "ENOENT") throw error;
  });
}

/** A diagnostic about a declaration in a library's files (not reported by validation, which sees the project's workers only). */
function inLibrary(program: Program, d: Diagnostic): boolean {
  if (d.target === NoTarget) return false;
  const location = getSourceLocation(d.target as DiagnosticTarget);
  return location !== undefined && program.getSourceFileLocationContext(location.file).type === "library";
}

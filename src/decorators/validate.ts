import type { Program } from "@typespec/compiler";
import { collectWorkers } from "../spec/collect.js";
import { validateLaunch } from "./launch-validation.js";

/**
 * Runs after checking, in `tsp compile` and in the language server, so every problem with the
 * workers shows in the editor at its location, not only when emitting.
 */
export function $onValidate(program: Program): void {
  const { workers, diagnostics } = collectWorkers(program);
  program.reportDiagnostics(diagnostics);
  for (const worker of workers) {
    for (const task of worker.tasks) validateLaunch(program, task);
  }
}

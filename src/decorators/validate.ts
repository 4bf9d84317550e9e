import type { Program } from "@typespec/compiler";
import { collectWorkers } from "../spec/collect.js";

/**
 * Runs after checking, in `tsp compile` and in the language server, so every problem with the
 * workers shows in the editor at its location, not only when emitting.
 */
export function $onValidate(program: Program): void {
  const { diagnostics } = collectWorkers(program);
  program.reportDiagnostics(diagnostics);
}

import type { Program } from "@typespec/compiler";
import { collectWorkers } from "./collect.js";
import { modelProperties } from "./describe-type.js";
import { validateLaunch } from "./launch-validation.js";
import { getVarsModel } from "../decorators/state.js";

/**
 * Runs after checking, in `tsp compile` and in the language server, so every problem with the
 * workers shows in the editor at its location, not only when emitting.
 */
export function $onValidate(program: Program): void {
  const { workers, diagnostics } = collectWorkers(program);
  program.reportDiagnostics(diagnostics);
  for (const worker of workers) {
    // Every declared name, also one whose type was refused: a line naming it is not wrong too.
    const model = getVarsModel(program, worker.iface);
    const scope = { worker: worker.name, vars: model ? modelProperties(model).map((p) => p.name) : [] };
    for (const task of worker.tasks) validateLaunch(program, task, scope);
  }
}

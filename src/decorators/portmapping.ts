import type { Model, Program } from "@typespec/compiler";
import type { PortmappingDecorator } from "../../generated-defs/Workers.js";
import { StateKeys } from "../lib.js";

/** Checks on the model (empty, optional ports, names) run in `$onValidate`, once all types are known. */
export const $portmapping: PortmappingDecorator = (context, target) => {
  context.program.stateSet(StateKeys.portmapping).add(target);
};

export function isPortmapping(program: Program, model: Model): boolean {
  return program.stateSet(StateKeys.portmapping).has(model);
}

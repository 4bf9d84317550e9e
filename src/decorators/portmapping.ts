import type { PortmappingDecorator } from "../../generated-defs/Workers.js";
import { isPortmapping, setPortmapping } from "./state.js";

export { isPortmapping };

/** Checks on the model (empty, optional ports, names) run in `$onValidate`, once all types are known. */
export const $portmapping: PortmappingDecorator = (context, target) => {
  setPortmapping(context.program, target);
};

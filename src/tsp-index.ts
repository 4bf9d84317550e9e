/**
 * The light entry that `lib/main.tsp` loads: the library, its decorators and validation, nothing
 * of the emitter (ts-morph and prettier would slow every compile, even one without our emitter).
 */
import { decorators } from "./decorators/index.js";

export { $lib } from "./lib.js";
export { $onValidate } from "./model/validate.js";

export const $decorators = {
  Workers: decorators,
};

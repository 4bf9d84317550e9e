/**
 * The light entry that `lib/main.tsp` loads: the library and its decorators, nothing of the
 * emitter (ts-morph and prettier would slow every compile, even one without our emitter).
 */
import { decorators } from "./decorators/index.js";

export { $lib } from "./lib.js";

export const $decorators = {
  Workers: decorators,
};

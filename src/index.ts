export { $lib } from "./lib.js";
export type { WorkersEmitterOptions } from "./lib.js";
export { $decorators } from "./tsp-index.js";
export { $onEmit } from "./emitter/emit.js";
export { $onValidate } from "./tsp-index.js";

export { $lib } from "./lib.js";
export type { WorkersEmitterOptions } from "./lib.js";
export { $decorators } from "./tsp-index.js";
export { $onEmit } from "./emitter/emit.js";
export { $onValidate } from "./tsp-index.js";
// Decorator state, for other emitters reading a spec's decorators.
export {
  getCommandLines,
  getOwnResources,
  getOwnTimeout,
  getScriptPath,
  getStdio,
  getVarsModel,
  isPortmapping,
  isScriptWorker,
  portmappingModels,
} from "./decorators/state.js";
export { getLaunchSpec, hasLauncher, type LaunchSpec } from "./decorators/launch.js";
export { getResources, getTimeout, type Resources } from "./decorators/scheduling.js";

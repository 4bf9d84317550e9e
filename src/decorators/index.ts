import type { WorkersDecorators } from "../../generated-defs/Workers.js";
import { $portmapping } from "./portmapping.js";
import { $command, $script, $stdio } from "./launch.js";
import { $resources, $timeout } from "./scheduling.js";
import { $vars } from "./vars.js";

/** The decorator map, checked against the signatures `tspd` generates from `lib/main.tsp`. */
export const decorators: WorkersDecorators = {
  portmapping: $portmapping,
  command: $command,
  stdio: $stdio,
  script: $script,
  vars: $vars,
  resources: $resources,
  timeout: $timeout,
};

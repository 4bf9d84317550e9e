// The run-time side keeps its own copy of the spec's `Resources` model (it must not import the
// compile-time side); the repository type-check test fails here if the two drift apart.
import type { Resources } from "../../generated-defs/Workers.js";
import type { SlurmResources } from "../../src/graph/executors/slurm-resources.js";

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const resourcesMatchSpec: Same<Required<Resources>, Required<SlurmResources>> = true;

/**
 * What a task asks Slurm for, and where that comes from. Four layers, later ones winning field by
 * field: the executor's `defaults`, the spec's `@resources` (written by the emitter into
 * `<workers>/<worker>/worker.json`, worker-level already merged with task-level), the executor's
 * per-worker entry, then its per-task entry (`"worker.task"`). Extra `sbatch` words accumulate in
 * that order, so a later layer can still override an earlier word (sbatch keeps the last one);
 * `modules` is a list the later layer replaces: a site names the modules it has, whatever the spec
 * guessed.
 */
import { join } from "node:path";
import { readManifest } from "../worker-folder.js";

// The rule set is shared with the compiler, which reports the same problems at `@resources`.
import { RESOURCE_FIELDS, resourceProblems, type SlurmResources } from "../../contract/resources.js";
export { resourceProblems, type SlurmResources };

export interface ResourceLayers {
  readonly defaults?: SlurmResources;
  readonly spec?: SlurmResources;
  readonly worker?: SlurmResources;
  readonly task?: SlurmResources;
}

export function mergeResources(layers: ResourceLayers): SlurmResources {
  const order = [layers.defaults, layers.spec, layers.worker, layers.task];
  const merged: Record<string, unknown> = {};
  const sbatch: string[] = [];
  for (const layer of order) {
    if (!layer) continue;
    for (const key of Object.keys(RESOURCE_FIELDS) as (keyof SlurmResources)[]) {
      if (key === "sbatch") sbatch.push(...(layer.sbatch ?? []));
      else if (layer[key] !== undefined) merged[key] = layer[key];
    }
  }
  if (sbatch.length > 0) merged.sbatch = sbatch;
  return merged as SlurmResources;
}

/**
 * The sbatch options for a request, in a fixed order, each one word (`--cpus-per-task=2`).
 * `launch` and `modules` are not sbatch options: the job script applies them.
 */
export function resourceOptions(r: SlurmResources): string[] {
  const options: string[] = [];
  if (r.cpus !== undefined) options.push(`--cpus-per-task=${r.cpus}`);
  if (r.memory !== undefined) options.push(`--mem=${r.memory}`);
  if (r.time !== undefined) options.push(`--time=${r.time}`);
  if (r.partition !== undefined) options.push(`--partition=${r.partition}`);
  if (r.account !== undefined) options.push(`--account=${r.account}`);
  if (r.nodes !== undefined) options.push(`--nodes=${r.nodes}`);
  if (r.ntasks !== undefined) options.push(`--ntasks=${r.ntasks}`);
  if (r.ntasksPerNode !== undefined) options.push(`--ntasks-per-node=${r.ntasksPerNode}`);
  if (r.gpus !== undefined) options.push(`--gpus=${r.gpus}`);
  options.push(...(r.sbatch ?? []));
  return options;
}

/**
 * A Slurm `--time` backstop for a task time limit: Slurm counts whole minutes and checks limits
 * only every half minute or so, so the precise limit is enforced inside the job script and Slurm's
 * limit is set a minute beyond it, to catch a job script that hangs itself.
 */
export function backstopTime(timeoutMs: number): string {
  return String(Math.ceil(timeoutMs / 60_000) + 1);
}

/**
 * The spec's resources for a task, from `<workersDir>/<worker>/worker.json` if the emitter wrote
 * one. A missing file or task means "none"; an unreadable file is an error naming it.
 */
export function readSpecResources(workersDir: string, worker: string, task: string): SlurmResources | undefined {
  return readManifest(join(workersDir, worker))?.tasks?.[task]?.resources;
}

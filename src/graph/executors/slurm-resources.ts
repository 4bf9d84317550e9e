/**
 * What a task asks Slurm for, and where that comes from. Four layers, later ones winning field by
 * field: the executor's `defaults`, the spec's `@resources` (written by the emitter into
 * `<workers>/<worker>/worker.json`, worker-level already merged with task-level), the executor's
 * per-worker entry, then its per-task entry (`"worker.task"`). Extra `sbatch` words accumulate in
 * that order, so a later layer can still override an earlier word (sbatch keeps the last one).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** Same fields as the spec's `Resources` model (`lib/main.tsp`). */
export interface SlurmResources {
  /** CPUs per task (`--cpus-per-task`). */
  readonly cpus?: number;
  /** Memory in Slurm's notation (`--mem`), e.g. `512M`, `2G`. */
  readonly memory?: string;
  /** Wall-time limit in Slurm's notation (`--time`), e.g. `10`, `05:00`, `01:00:00`, `1-00:00:00`. */
  readonly time?: string;
  readonly partition?: string;
  readonly account?: string;
  /** Nodes for the job (`--nodes`), e.g. for an MPI program. */
  readonly nodes?: number;
  /** Tasks (MPI ranks) of the job (`--ntasks`). */
  readonly ntasks?: number;
  /** Tasks per node (`--ntasks-per-node`). */
  readonly ntasksPerNode?: number;
  /** GPUs for the job (`--gpus`). */
  readonly gpus?: number;
  /** Extra `sbatch` options, each one word, e.g. `["--qos=debug", "--constraint=avx2"]`. */
  readonly sbatch?: readonly string[];
}

export interface ResourceLayers {
  readonly defaults?: SlurmResources;
  readonly spec?: SlurmResources;
  readonly worker?: SlurmResources;
  readonly task?: SlurmResources;
}

export function mergeResources(layers: ResourceLayers): SlurmResources {
  const order = [layers.defaults, layers.spec, layers.worker, layers.task];
  const merged: { -readonly [K in keyof SlurmResources]: SlurmResources[K] } = {};
  const sbatch: string[] = [];
  for (const layer of order) {
    if (!layer) continue;
    for (const key of ["cpus", "memory", "time", "partition", "account", "nodes", "ntasks", "ntasksPerNode", "gpus"] as const) {
      if (layer[key] !== undefined) (merged as Record<string, unknown>)[key] = layer[key];
    }
    if (layer.sbatch) sbatch.push(...layer.sbatch);
  }
  if (sbatch.length > 0) merged.sbatch = sbatch;
  return merged;
}

const SLURM_TIME = /^(\d+-)?\d+(:\d{1,2}){0,2}$/;
const SLURM_MEMORY = /^\d+[KMGT]?$/;
// One word that is safe inside a double-quoted `#SBATCH` line: no quotes, backslashes or controls.
const PLAIN_WORD = /^[^\s"\\\x00-\x1f\x7f]+$/;

/**
 * Problems with a resource request that we can see before asking Slurm, one message per field.
 * Values end up in `#SBATCH` lines of a script, so anything that could break out of a line is
 * refused here rather than quoted.
 */
export function resourceProblems(r: SlurmResources): string[] {
  const problems: string[] = [];
  if (r.cpus !== undefined && !(Number.isInteger(r.cpus) && r.cpus >= 1)) {
    problems.push(`cpus must be a whole number of at least 1, not ${JSON.stringify(r.cpus)}`);
  }
  for (const [key, min] of [["nodes", 1], ["ntasks", 1], ["ntasksPerNode", 1], ["gpus", 0]] as const) {
    const n = r[key];
    if (n !== undefined && !(Number.isInteger(n) && n >= min)) problems.push(`${key} must be a whole number of at least ${min}, not ${JSON.stringify(n)}`);
  }
  if (r.memory !== undefined && !SLURM_MEMORY.test(r.memory)) {
    problems.push(`memory ${JSON.stringify(r.memory)} is not a size such as 512M or 2G`);
  }
  if (r.time !== undefined && !SLURM_TIME.test(r.time)) {
    problems.push(`time ${JSON.stringify(r.time)} is not a Slurm time such as 30, 10:00, 01:00:00 or 1-00:00:00`);
  }
  for (const key of ["partition", "account"] as const) {
    const value = r[key];
    if (value !== undefined && !PLAIN_WORD.test(value)) {
      problems.push(`${key} ${JSON.stringify(value)} must be one word without quotes or control characters`);
    }
  }
  for (const word of r.sbatch ?? []) {
    if (!word.startsWith("-") || !PLAIN_WORD.test(word)) {
      problems.push(
        `sbatch argument ${JSON.stringify(word)} must be one option word starting with '-' (e.g. "--qos=debug")`,
      );
    }
  }
  return problems;
}

/** The sbatch options for a request, in a fixed order, each one word (`--cpus-per-task=2`). */
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
  const file = join(workersDir, worker, "worker.json");
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  let descriptor: { tasks?: Record<string, { resources?: SlurmResources }> };
  try {
    descriptor = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  return descriptor.tasks?.[task]?.resources;
}

/**
 * What a task may ask a batch scheduler (Slurm) for, and which requests are refused before
 * anything is submitted. One rule set for both sides: the compiler reports a problem at the
 * `@resources` argument, the Slurm executor refuses the same request (from configuration or
 * `--slurm`) before it writes a job script.
 */

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
  /**
   * How the job starts the task's program: as it is (`direct`, the default), as a job step of all
   * the job's tasks (`srun`), or under `mpirun` with the job's task count. See docs/slurm.md.
   */
  readonly launch?: Launch;
  /** Environment modules (Lmod, Environment Modules) the job loads before the program, in order. */
  readonly modules?: readonly string[];
}

/**
 * Every field of a request and its form: a whole number, one text, or a list of words. The
 * command line's `--slurm key=value` and the layering of requests read this table.
 */
export const RESOURCE_FIELDS = {
  cpus: "number",
  memory: "text",
  time: "text",
  partition: "text",
  account: "text",
  nodes: "number",
  ntasks: "number",
  ntasksPerNode: "number",
  gpus: "number",
  sbatch: "list",
  launch: "text",
  modules: "list",
} as const satisfies Record<keyof SlurmResources, "number" | "text" | "list">;

/** How a job starts a task's program. */
export const LAUNCHES = ["direct", "srun", "mpirun"] as const;
export type Launch = (typeof LAUNCHES)[number];

/** A problem with one field of a request: `field` names it (`sbatch` and `modules` problems give the word's index). */
export interface ResourceProblem {
  readonly field: keyof SlurmResources;
  readonly index?: number;
  readonly message: string;
}

const SLURM_TIME = /^(\d+-)?\d+(:\d{1,2}){0,2}$/;
const SLURM_MEMORY = /^\d+[KMGT]?$/;
// One word that is safe inside a double-quoted `#SBATCH` line: no quotes, backslashes or controls.
const PLAIN_WORD = /^[^\s"\\\x00-\x1f\x7f]+$/;

/**
 * Problems with a resource request that we can see before asking Slurm, one per field (per word of
 * `sbatch`). Values end up in `#SBATCH` lines of a script, so anything that could break out of a
 * line is refused here rather than quoted.
 */
export function findResourceProblems(r: SlurmResources): ResourceProblem[] {
  const problems: ResourceProblem[] = [];
  if (r.cpus !== undefined && !(Number.isInteger(r.cpus) && r.cpus >= 1)) {
    problems.push({
      field: "cpus",
      message: `cpus must be a whole number of at least 1, not ${JSON.stringify(r.cpus)}`,
    });
  }
  for (const [field, min] of [
    ["nodes", 1],
    ["ntasks", 1],
    ["ntasksPerNode", 1],
    ["gpus", 0],
  ] as const) {
    const n = r[field];
    if (n !== undefined && !(Number.isInteger(n) && n >= min)) {
      problems.push({ field, message: `${field} must be a whole number of at least ${min}, not ${JSON.stringify(n)}` });
    }
  }
  if (r.memory !== undefined && !SLURM_MEMORY.test(r.memory)) {
    problems.push({ field: "memory", message: `memory ${JSON.stringify(r.memory)} is not a size such as 512M or 2G` });
  }
  if (r.time !== undefined && !SLURM_TIME.test(r.time)) {
    problems.push({
      field: "time",
      message: `time ${JSON.stringify(r.time)} is not a Slurm time such as 30, 10:00, 01:00:00 or 1-00:00:00`,
    });
  }
  for (const key of ["partition", "account"] as const) {
    const value = r[key];
    if (value !== undefined && !PLAIN_WORD.test(value)) {
      problems.push({
        field: key,
        message: `${key} ${JSON.stringify(value)} must be one word without quotes or control characters`,
      });
    }
  }
  if (r.launch !== undefined && !(LAUNCHES as readonly string[]).includes(r.launch)) {
    problems.push({
      field: "launch",
      message: `launch ${JSON.stringify(r.launch)} is not one of ${LAUNCHES.join(", ")}`,
    });
  }
  (r.modules ?? []).forEach((name, index) => {
    // A word of a bash array in the job script, and an argument of `module load`: no option.
    if (name.startsWith("-") || !PLAIN_WORD.test(name)) {
      problems.push({
        field: "modules",
        index,
        message: `module ${JSON.stringify(name)} must be one module name (e.g. "openmpi/4.1"), without blanks or quotes and not starting with '-'`,
      });
    }
  });
  (r.sbatch ?? []).forEach((word, index) => {
    if (!word.startsWith("-") || !PLAIN_WORD.test(word)) {
      problems.push({
        field: "sbatch",
        index,
        message: `sbatch argument ${JSON.stringify(word)} must be one option word starting with '-' (e.g. "--qos=debug")`,
      });
    }
  });
  return problems;
}

/** The problems as messages, one per field. */
export function resourceProblems(r: SlurmResources): string[] {
  return findResourceProblems(r).map((p) => p.message);
}

/**
 * Batch scripts for Slurm jobs: one task per job, or one task per element of a job array. A script
 * is `#SBATCH` lines, the environment and a few variables written for the job, then the fixed body
 * `slurm-job.sh` (a real shell file, shellchecked by the tests and copied beside the compiled code
 * by the build). The script sets the contract's environment itself (so it reaches the job whatever
 * the site's `--export` policy; upstream wrote `--export=` without `#SBATCH`, so it never did),
 * loads the worker's modules, runs the worker's launcher with the definition path, and records
 * the launcher's exit status in a file of the node folder. Completion is read from that file and
 * the scheduler, never from `_done` alone. Every value is written single-quoted: data, never code.
 */
import { readFileSync } from "node:fs";
import type { Launch } from "../../contract/resources.js";

// The file names below are also written in slurm-job.sh.

/** Name of the file, in the node folder, that holds the launcher's exit status (decimal). */
export const EXIT_FILE = "_exit";
/** Name of the job script in the node folder. */
export const JOB_SCRIPT = "job.sh";
/** Name of an array element's environment file in its node folder (sourced by the array script). */
export const JOB_ENV = "job.env";
/** The task's stdout and stderr (stderr is the contract's `errors` file). */
export const STDOUT_FILE = "stdout";
export const STDERR_FILE = "errors";
/** Exit status of `timeout(1)` when it stopped the launcher. */
export const TIMEOUT_STATUS = 124;
/** Exit status recorded for a task whose job could not set up (a module, srun or mpirun missing); `_error` says why. */
export const SETUP_STATUS = 78;

const BODY_URL = new URL("./slurm-job.sh", import.meta.url);
let body: string | undefined;

/** The fixed body of every job script. */
export function jobScriptBody(): string {
  return (body ??= readFileSync(BODY_URL, "utf8"));
}

export interface ScriptCommon {
  /** Job name shown by squeue. */
  readonly jobName: string;
  /** The task's worker and name, for messages of the job script. */
  readonly worker: string;
  readonly task: string;
  /** Absolute checkpoints root, exported as `TKR_DIR`; also the job's working directory. */
  readonly root: string;
  /** Absolute path of the launcher. */
  readonly launcher: string;
  /** Run the launcher with bash (it is not executable). */
  readonly viaBash: boolean;
  /** sbatch options (each one word) for resources and extras. */
  readonly options: readonly string[];
  /** Precise time limit for the launcher, in seconds (fractions allowed). */
  readonly timeoutSeconds?: number;
  /** Environment for every task of the job (the executor's `env` option). */
  readonly env?: Readonly<Record<string, string>>;
  /** How the launcher starts the program (default `direct`). */
  readonly launch?: Launch;
  /** Environment modules loaded before the launcher runs. */
  readonly modules?: readonly string[];
}

export interface SingleJob extends ScriptCommon {
  readonly nodeDir: string;
  readonly definitionPath: string;
  /** The contract's variables for this task (see slurm-env.ts). */
  readonly taskEnv: Readonly<Record<string, string>>;
}

export interface ArrayJob extends ScriptCommon {
  /** Folder of the array's own files (script, list, Slurm's per-element log). */
  readonly arrayDir: string;
  /**
   * File listing `<nodeDir>\t<definitionPath>` per task, one line each; each node folder holds
   * the task's `job.env` (see renderTaskEnv).
   */
  readonly listFile: string;
  /** Number of tasks (lines of the list). */
  readonly tasks: number;
  /** Tasks each element runs one after another (1: one task per element). */
  readonly tasksPerElement: number;
  /** At most this many elements at once (`%N`), if set. */
  readonly throttle?: number;
}

/** Number of elements of an array job. */
export function elementCount(job: Pick<ArrayJob, "tasks" | "tasksPerElement">): number {
  return Math.ceil(job.tasks / job.tasksPerElement);
}

export function renderSingleJob(job: SingleJob): string {
  return [
    "#!/bin/bash",
    ...inertNote(job, job.taskEnv),
    `# One task as one Slurm job (typespec-workers). Resubmit by hand with: sbatch ${shq(job.nodeDir + "/" + JOB_SCRIPT)}`,
    ...sbatchLines(job, [`--output=${job.nodeDir}/${STDOUT_FILE}`, `--error=${job.nodeDir}/${STDERR_FILE}`]),
    "",
    ...exports(job.env),
    ...exports(job.taskEnv),
    ...variables(job),
    `tw_node=${shq(job.nodeDir)}`,
    `tw_definition=${shq(job.definitionPath)}`,
    "",
    jobScriptBody(),
  ].join("\n");
}

export function renderArrayJob(job: ArrayJob): string {
  const per = job.tasksPerElement;
  const range = `0-${elementCount(job) - 1}${job.throttle ? `%${job.throttle}` : ""}`;
  return [
    "#!/bin/bash",
    ...inertNote(job),
    `# Many tasks of one worker as one Slurm job array (typespec-workers): element i runs lines`,
    `# ${per}*i+1 to ${per}*i+${per} of the list, one after another. Slurm's own messages per element`,
    "# go to slurm-<i>.out beside this script.",
    ...sbatchLines(job, [
      `--array=${range}`,
      `--output=${job.arrayDir}/slurm-%a.out`,
      `--error=${job.arrayDir}/slurm-%a.out`,
    ]),
    "",
    ...exports(job.env),
    ...variables(job),
    `tw_list=${shq(job.listFile)}`,
    `tw_per=${per}`,
    "",
    jobScriptBody(),
  ].join("\n");
}

function sbatchLines(job: ScriptCommon, files: readonly string[]): string[] {
  const words = [
    `--job-name=${job.jobName}`,
    ...files,
    `--chdir=${job.root}`,
    "--no-requeue",
    "--kill-on-invalid-dep=yes",
    ...job.options,
  ];
  // sbatch splits #SBATCH lines on blanks but honours double quotes; values were checked to hold
  // no double quote, backslash or control character (see resourceProblems / checkPathWord).
  return words.map((word) => `#SBATCH ${/\s/.test(word) ? `"${word}"` : word}`);
}

/**
 * For shellcheck, when a value holds `$` or a backquote: it would point out that they do not
 * expand in single quotes, which is the point.
 */
function inertNote(job: ScriptCommon, taskEnv: Readonly<Record<string, string>> = {}): string[] {
  const values = [...Object.values(job.env ?? {}), ...Object.values(taskEnv), ...(job.modules ?? [])];
  return values.some((v) => /[$`]/.test(v))
    ? ["# shellcheck disable=SC2016 # the values below are single-quoted data: nothing in them expands"]
    : [];
}

/** The variables the body reads (see the head of slurm-job.sh). */
function variables(job: ScriptCommon): string[] {
  return [
    `tw_worker=${shq(job.worker)}`,
    `tw_task=${shq(job.task)}`,
    `tw_launcher=${shq(job.launcher)}`,
    `tw_via_bash=${job.viaBash ? 1 : 0}`,
    `tw_timeout=${job.timeoutSeconds !== undefined ? shq(String(job.timeoutSeconds)) : "''"}`,
    `tw_launch=${shq(job.launch ?? "direct")}`,
    `tw_modules=(${(job.modules ?? []).map(shq).join(" ")})`,
    `tw_setup_status=${SETUP_STATUS}`,
  ];
}

/** A task's contract variables, as the `job.env` file the array script sources. */
export function renderTaskEnv(taskEnv: Readonly<Record<string, string>>): string {
  return ["# Contract environment of one task of a job array (typespec-workers)", ...exports(taskEnv), ""].join("\n");
}

function exports(env: Readonly<Record<string, string>> | undefined): string[] {
  return Object.entries(env ?? {}).map(([name, value]) => `export ${name}=${shq(value)}`);
}

/** Quote for bash: single quotes, with embedded single quotes closed, escaped and reopened. */
export function shq(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** Problem with a path that must sit inside a double-quoted `#SBATCH` line, or undefined. */
export function checkPathWord(what: string, path: string): string | undefined {
  return /["\\\x00-\x1f\x7f]/.test(path)
    ? `${what} ${JSON.stringify(path)} holds a double quote, backslash or control character, which an #SBATCH line cannot carry`
    : undefined;
}

/**
 * Batch scripts for Slurm jobs: one task per job, or one task per element of a job array. The
 * script sets the contract's environment itself (so it reaches the job whatever the site's
 * `--export` policy; upstream wrote `--export=` without `#SBATCH`, so it never did), runs the
 * worker's launcher with the definition path, and records the launcher's exit status in a file of
 * the node folder. Completion is read from that file and the scheduler, never from `_done` alone.
 */

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

export interface ScriptCommon {
  /** Job name shown by squeue. */
  readonly jobName: string;
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
    `# One task as one Slurm job (typespec-workers). Resubmit by hand with: sbatch ${shq(job.nodeDir + "/" + JOB_SCRIPT)}`,
    ...sbatchLines(job, [`--output=${job.nodeDir}/${STDOUT_FILE}`, `--error=${job.nodeDir}/${STDERR_FILE}`]),
    "",
    ...exports(job.env),
    ...exports(job.taskEnv),
    `node=${shq(job.nodeDir)}`,
    `definition=${shq(job.definitionPath)}`,
    "",
    ...runAndRecord(job),
  ].join("\n");
}

export function renderArrayJob(job: ArrayJob): string {
  const per = job.tasksPerElement;
  const range = `0-${elementCount(job) - 1}${job.throttle ? `%${job.throttle}` : ""}`;
  return [
    "#!/bin/bash",
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
    `list=${shq(job.listFile)}`,
    `first=$((SLURM_ARRAY_TASK_ID * ${per} + 1))`,
    `last=$((first + ${per} - 1))`,
    "trap 'exit 143' TERM",
    "while IFS=$'\\t' read -r node definition; do",
    "  # Each task in a subshell: its own environment, stdout and stderr, and not the list on stdin.",
    "  # A missing node folder ends only this task, which then has no exit status.",
    "  (",
    '    exec </dev/null >"$node/' + STDOUT_FILE + '" 2>"$node/' + STDERR_FILE + '" || exit 70',
    `    source "$node/${JOB_ENV}"`,
    ...runAndRecord(job)
      .filter(Boolean)
      .map((line) => `    ${line}`),
    "  )",
    'done < <(sed -n "${first},${last}p" "$list")',
    "",
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

/** A task's contract variables, as the `job.env` file the array script sources. */
export function renderTaskEnv(taskEnv: Readonly<Record<string, string>>): string {
  return ["# Contract environment of one task of a job array (typespec-workers)", ...exports(taskEnv), ""].join("\n");
}

function exports(env: Readonly<Record<string, string>> | undefined): string[] {
  return Object.entries(env ?? {}).map(([name, value]) => `export ${name}=${shq(value)}`);
}

function runAndRecord(job: ScriptCommon): string[] {
  const launcher = `${job.viaBash ? "bash " : ""}${shq(job.launcher)}`;
  // timeout(1) stops the launcher (TERM, then KILL 5 s later) at the task's own limit, to the
  // second; Slurm's --time is only a backstop because it counts minutes.
  const limit = job.timeoutSeconds !== undefined ? `timeout --kill-after=5 ${job.timeoutSeconds} ` : "";
  return [
    "# Stopped by Slurm (scancel, time limit): leave no exit status, so the scheduler's reason counts.",
    "trap 'exit 143' TERM",
    `${limit}${launcher} "$definition"`,
    "status=$?",
    "# As upstream's `launcher && touch _done`: a launcher that exits 0 is done even if it did not say so.",
    '[[ $status -ne 0 || -e $done_path ]] || : >"$done_path"',
    "# Written atomically, so a poller never reads half a number.",
    `printf '%s\\n' "$status" >"$node/${EXIT_FILE}.tmp" && mv -f "$node/${EXIT_FILE}.tmp" "$node/${EXIT_FILE}"`,
    'exit "$status"',
    "",
  ];
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

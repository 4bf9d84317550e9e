import type {
  DecoratorContext,
  DecoratorValidatorCallbacks,
  Interface,
  Model,
  Operation,
} from "@typespec/compiler";

export interface Resources {
  readonly cpus?: number;
  readonly memory?: string;
  readonly time?: string;
  readonly partition?: string;
  readonly account?: string;
  readonly nodes?: number;
  readonly ntasks?: number;
  readonly ntasksPerNode?: number;
  readonly gpus?: number;
  readonly sbatch?: readonly string[];
  readonly launch?: "direct" | "srun" | "mpirun";
  readonly modules?: readonly string[];
}

/**
 * A task returning this model has one output port per property, instead of a single `value`
 * port. Property names become file names and environment variable names
 * (`output_<port>_file`), so they must match `[A-Za-z_][A-Za-z0-9_]*`.
 *
 * @example
 * ```typespec
 * @portmapping
 * model KeyPair {
 *   private_key: bytes;
 *   public_key: bytes;
 * }
 * ```
 */
export type PortmappingDecorator = (
  context: DecoratorContext,
  target: Model,
) => DecoratorValidatorCallbacks | void;

/**
 * Run the task by these command lines, in order, from the generated launcher. `{port}` stands for
 * a port: a bytes, model, list or record input becomes the path of its file, a scalar input its
 * plain text, an output the path the program must write; `{var.<name>}` stands for a template
 * variable of the worker (see `@vars`). Each line is split into words at spaces when the spec is
 * compiled; a value is always exactly one argument and is never read by a shell.
 * Write `{{` and `}}` for literal braces.
 *
 * @param lines One or more command lines.
 * @example
 * ```typespec
 * @command("openssl genrsa -out {private_key} -aes128 -passout file:{passphrase} {numbits}")
 * genrsa(numbits: int32, passphrase: bytes): bytes;
 * ```
 */
export type CommandDecorator = (
  context: DecoratorContext,
  target: Operation,
  ...lines: string[]
) => DecoratorValidatorCallbacks | void;

/**
 * A stdin/stdout task: the launcher pipes its single input into the program and captures the
 * program's standard output as its single output. Raw bytes for `bytes`, plain text for scalars.
 *
 * @param line The command line to run (as for `@command`); without it the task's script
 * (`<task>.sh` next to the launcher) is run.
 */
export type StdioDecorator = (
  context: DecoratorContext,
  target: Operation,
  line?: string,
) => DecoratorValidatorCallbacks | void;

/**
 * Run a script from the generated launcher. On a task: the script that runs it, a path relative to
 * the worker's launcher folder (default `<task>.sh`). On a worker: every task of it that has no
 * `@command`, `@stdio` or `@script` runs its own `<task>.sh` (give no path here).
 *
 * A worker gets a launcher (`main.sh`) only when one of its tasks has `@command`, `@stdio` or
 * `@script`, or the worker has `@script`; a worker without one is implemented in code (TypeScript,
 * Python) and run from that.
 *
 * @param path The script, relative to the launcher's folder or absolute (tasks only).
 * @example
 * ```typespec
 * @script
 * interface legacy_worker {
 *   // Runs legacy_worker/prepare.sh.
 *   prepare(input: bytes): bytes;
 * }
 * ```
 */
export type ScriptDecorator = (
  context: DecoratorContext,
  target: Interface | Operation,
  path?: string,
) => DecoratorValidatorCallbacks | void;

/**
 * The template variables of this worker: each property of the model is a variable that the
 * `@command` and `@stdio` lines of its tasks name as `{var.<name>}`. A variable is a string, an
 * integer, a float or a boolean; the property's default is its value unless the run sets one, and a
 * variable without a default must be set by the run. A run sets `<name>` with `vars` in the worker's
 * entry of `workers.yaml`, which reaches the launcher as the environment variable `var_<name>`. Like
 * a port's, a variable's value is always exactly one argument (or part of one) and is never read by
 * a shell. Programs and scripts see each variable's value as `var_<name>` too.
 *
 * @param variables A model whose properties are the variables, with their types, defaults and docs.
 * @example
 * ```typespec
 * model SimVars {
 *   // OpenMP threads of each run (a doc comment here is the variable's doc).
 *   threads: int32 = 4;
 *   precision: string = "double";
 * }
 *
 * @vars(SimVars)
 * interface legacy_sim {
 *   @command("sim --threads {var.threads} --precision {var.precision} -i {mesh} -o {value}")
 *   run(mesh: bytes): bytes;
 * }
 * ```
 */
export type VarsDecorator = (
  context: DecoratorContext,
  target: Interface,
  variables: Model,
) => DecoratorValidatorCallbacks | void;

/**
 * Resources for running this task, or every task of this worker, on a batch scheduler. Values in
 * the executor's configuration override these.
 */
export type ResourcesDecorator = (
  context: DecoratorContext,
  target: Interface | Operation,
  value: Resources,
) => DecoratorValidatorCallbacks | void;

/**
 * A time limit for this task, or every task of this worker, in seconds. A task that runs longer is
 * killed and fails with a message saying it timed out.
 */
export type TimeoutDecorator = (
  context: DecoratorContext,
  target: Interface | Operation,
  seconds: number,
) => DecoratorValidatorCallbacks | void;

export type WorkersDecorators = {
  portmapping: PortmappingDecorator;
  command: CommandDecorator;
  stdio: StdioDecorator;
  script: ScriptDecorator;
  vars: VarsDecorator;
  resources: ResourcesDecorator;
  timeout: TimeoutDecorator;
};

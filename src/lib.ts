import { createTypeSpecLibrary, paramMessage, type JSONSchemaType } from "@typespec/compiler";

/** Options of the `typespec-workers` emitter, set under `options.typespec-workers` in tspconfig.yaml. */
export interface WorkersEmitterOptions {
  /** `folders`: `<worker>/stubs.ts`, `<worker>/main.sh`, ...; `flat`: `<worker>.ts` only (stubs). */
  "output-layout"?: "folders" | "flat";
  /** How 64-bit and unbounded integers (`int64`, `uint64`, `integer`) appear in TypeScript. */
  int64?: "bigint" | "number";
  /** What to write for each worker. */
  emit?: ("stubs" | "launchers" | "manifests" | "python")[];
  /** Module that generated stubs import the runtime from. */
  "runtime-module"?: string;
  /** `inline`: each main.sh holds the launcher runtime; `shared`: it sources `<out>/launcher-runtime.sh`. */
  "launcher-runtime"?: "inline" | "shared";
  /** Libraries (npm package names) whose interfaces are workers too; by default only the project's own are. */
  "library-workers"?: string[];
}

const EmitterOptionsSchema: JSONSchemaType<WorkersEmitterOptions> = {
  type: "object",
  additionalProperties: false,
  properties: {
    "output-layout": {
      type: "string",
      enum: ["folders", "flat"],
      nullable: true,
      default: "folders",
      description:
        "`folders` (default): one folder per worker with `stubs.ts`, `main.sh` and `worker.json`. `flat`: one `<worker>.ts` per worker, stubs only.",
    },
    int64: {
      type: "string",
      enum: ["bigint", "number"],
      nullable: true,
      default: "bigint",
      description:
        "`bigint` (default): `int64`, `uint64` and `integer` are `bigint`, exact at any size. `number`: they are `number`, and a value beyond 2^53 is an error when decoded or encoded, never silently rounded.",
    },
    emit: {
      type: "array",
      items: { type: "string", enum: ["stubs", "launchers", "manifests", "python"] },
      uniqueItems: true,
      nullable: true,
      description:
        "What to write for each worker: `stubs` (`stubs.ts`), `launchers` (`main.sh`), `manifests` (`worker.json`, the worker manifest), `python` (`stubs.py`, Tierkreis's Python stubs). Default: the first three (`folders`) or stubs (`flat`).",
    },
    "runtime-module": {
      type: "string",
      nullable: true,
      default: "typespec-workers/runtime",
      description: "Module specifier that generated stubs import the runtime from.",
    },
    "launcher-runtime": {
      type: "string",
      enum: ["inline", "shared"],
      nullable: true,
      default: "inline",
      description:
        "`inline` (default): each `main.sh` holds the launcher runtime, one self-contained file. `shared`: the runtime is written once to `launcher-runtime.sh` beside the worker folders and each `main.sh` sources it (layout `folders` only).",
    },
    "library-workers": {
      type: "array",
      items: { type: "string" },
      nullable: true,
      description:
        "npm packages (TypeSpec libraries) whose interfaces are workers too, e.g. a shared library of tool wrappers. By default only interfaces in the project's own files are workers.",
    },
  },
  required: [],
};

export const $lib = createTypeSpecLibrary({
  name: "typespec-workers",
  diagnostics: {
    "invalid-name": {
      severity: "error",
      messages: {
        default: paramMessage`${"kind"} name '${"name"}' cannot serve as both an environment variable name and a file name: use letters, digits and '_', not starting with a digit.`,
      },
    },
    "name-too-long": {
      severity: "error",
      messages: {
        default: paramMessage`${"kind"} name '${"name"}' is ${"length"} characters long: names become file and folder names, so at most ${"max"} characters.`,
      },
    },
    "no-workers": {
      severity: "warning",
      messages: {
        default:
          "The compile emits no worker: every interface in the project's own files is a worker, and interfaces in libraries are workers only when the library is named in the emitter option `library-workers`.",
      },
    },
    "name-clash": {
      severity: "error",
      messages: {
        default: paramMessage`Task '${"name"}' has the name of its worker: the stubs export both the task and the worker under that name; rename one.`,
      },
    },
    "thenable-task": {
      severity: "warning",
      messages: {
        default:
          "A task named 'then' makes its worker's `tasks` object thenable: awaiting that object (or returning it from an async function) would call the task instead. Take the task from it directly (`worker.tasks.then`).",
      },
    },
    "empty-portmapping": {
      severity: "error",
      messages: {
        default: paramMessage`@portmapping model '${"name"}' has no properties: a task returning it would have no output ports.`,
      },
    },
    "optional-output-port": {
      severity: "error",
      messages: {
        default: paramMessage`Output port '${"name"}' is optional: every output port of a task must be written. Use '${"name"}: T | null' for a value that may be absent.`,
      },
    },
    "duplicate-worker": {
      severity: "error",
      messages: {
        default: paramMessage`Worker '${"name"}' is declared more than once (interfaces in different namespaces share the worker name space, which is the launcher folder name).`,
      },
    },
    "worker-case-clash": {
      severity: "error",
      messages: {
        default: paramMessage`Worker '${"name"}' differs from worker '${"other"}' only in case: their folders would be one folder on a case-insensitive file system (macOS, Windows).`,
      },
    },
    "unsupported-type": {
      severity: "error",
      messages: {
        default: paramMessage`Type '${"type"}' has no faithful encoding in the worker contract${"reason"}.`,
      },
    },
    "null-shadowed": {
      severity: "warning",
      messages: {
        default: paramMessage`'null' here is ${"kind"} '${"type"}' declared in this spec, not TypeSpec's null type: a declaration named 'null' hides it in its namespace. Rename the declaration, or write 'TypeSpec.null' for the null type.`,
      },
    },
    "type-too-deep": {
      severity: "error",
      messages: {
        default: paramMessage`Type '${"type"}' nests types more than ${"max"} levels deep (lists, records, unions and models inside one another).`,
      },
    },
    "invalid-command": {
      severity: "error",
      messages: {
        default: paramMessage`Invalid command template: ${"reason"}`,
        empty: "@command needs at least one command line.",
        "unknown-port": paramMessage`Command template names '{${"name"}}', which is not a port of task '${"task"}'${"hint"}. Ports: ${"ports"}.`,
        "var-as-port": paramMessage`Command template names '{${"name"}}', which is not a port of task '${"task"}' but a template variable of its worker: write '{var.${"name"}}'.`,
        "unknown-var": paramMessage`Command template names '{var.${"name"}}', which is not a template variable of worker '${"worker"}'${"hint"}. Variables (@vars): ${"vars"}.`,
      },
    },
    "shell-operator": {
      severity: "warning",
      messages: {
        default: paramMessage`'${"operator"}' in a command line is passed to the program as an argument: command lines are split into words, never read by a shell. To ${"purpose"}, run a shell and pass the ports as its arguments: ${"suggestion"}`,
      },
    },
    "duplicate-decorator": {
      severity: "error",
      messages: {
        default: paramMessage`${"decorator"} is given more than once on '${"target"}': keep one.`,
      },
    },
    "stdio-arity": {
      severity: "error",
      messages: {
        default: paramMessage`@stdio task '${"task"}' must have exactly one input and one output port (it has ${"inputs"} inputs and ${"outputs"} outputs).`,
      },
    },
    "conflicting-launch": {
      severity: "error",
      messages: {
        default: paramMessage`Task '${"task"}' has more than one of @command, @stdio and @script: choose one way to run it.`,
      },
    },
    "invalid-var": {
      severity: "error",
      messages: {
        default: paramMessage`Template variable '${"name"}' has type '${"type"}': a variable is a string, an integer, a float or a boolean (its value is one word of a command line).`,
        optional: paramMessage`Template variable '${"name"}' is optional: a variable always has a value. Give it a default, or drop the '?' to have every run set it.`,
      },
    },
    "invalid-script": {
      severity: "error",
      messages: {
        default: paramMessage`@script on worker '${"worker"}' takes no path: each of its tasks runs its own '<task>.sh'. Give a path on a task instead.`,
      },
    },
    "invalid-resources": {
      severity: "error",
      messages: {
        default: paramMessage`Invalid resources: ${"reason"}`,
      },
    },
    "invalid-timeout": {
      severity: "error",
      messages: {
        default: paramMessage`Timeout must be a positive number of seconds, not ${"value"}.`,
      },
    },
  },
  emitter: {
    options: EmitterOptionsSchema,
  },
  state: {
    portmapping: { description: "Models marked @portmapping" },
    command: { description: "Command-line templates of tasks (@command)" },
    stdio: { description: "stdin/stdout tasks (@stdio)" },
    script: { description: "Script path of tasks (@script)" },
    scriptWorker: { description: "Workers whose undecorated tasks run <task>.sh (@script on an interface)" },
    resources: { description: "Scheduler resources (@resources)" },
    timeout: { description: "Time limits (@timeout)" },
    vars: { description: "Template variables of workers (@vars)" },
  },
} as const);

export const { reportDiagnostic, createDiagnostic, stateKeys: StateKeys } = $lib;

/**
 * Call arguments: the `definition` file a controller writes for each task node and passes (as a
 * path relative to the checkpoints root) to the worker. Byte format as upstream writes it
 * (pydantic `model_dump_json`): compact JSON, fields in the order below, raw UTF-8, no newline.
 */
import { createRequire } from "node:module";
import { isAbsolute, join, normalize } from "node:path";
import type { ErrorObject, ValidateFunction } from "ajv";
import type { Ajv2020 as Ajv2020Class } from "ajv/dist/2020.js";

export interface CallArgs {
  /** Task name without the worker name (`genrsa`, not `openssl_worker.genrsa`). */
  function_name: string;
  /** Input port → path of the producer's output file. */
  inputs: Record<string, string>;
  /** Output port → path the worker writes, for every port some later node reads. */
  outputs: Record<string, string>;
  /** The node's `outputs` folder (exists before the worker starts). */
  output_dir: string;
  /** Touched when the task succeeded. */
  done_path: string;
  /** Written (with the message) when the task failed. */
  error_path: string;
  /** Workflow-wide log, appended to; `null` for none. */
  logs_path: string | null;
}

/** The wire order of the fields. */
export const CALL_ARGS_FIELDS = [
  "function_name",
  "inputs",
  "outputs",
  "output_dir",
  "done_path",
  "error_path",
  "logs_path",
] as const satisfies readonly (keyof CallArgs)[];

const pathString = { type: "string", minLength: 1 } as const;
const portMap = { type: "object", additionalProperties: pathString } as const;

/**
 * JSON Schema (draft 2020-12) of the `definition` file. Unknown fields are allowed, as upstream's
 * pydantic model ignores them, so that newer controllers can add fields.
 */
export const callArgsSchema = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  $id: "https://typespec-workers/schemas/call-args.json",
  title: "Worker call arguments (the definition file)",
  type: "object",
  required: [...CALL_ARGS_FIELDS],
  properties: {
    function_name: { type: "string", minLength: 1 },
    inputs: portMap,
    outputs: portMap,
    output_dir: pathString,
    done_path: pathString,
    error_path: pathString,
    logs_path: { anyOf: [pathString, { type: "null" }] },
  },
} as const;

/** What each field must be, in words, for error messages. */
const EXPECTED: Record<(typeof CALL_ARGS_FIELDS)[number], string> = {
  function_name: "a non-empty string",
  inputs: "an object of strings (port name → path)",
  outputs: "an object of strings (port name → path)",
  output_dir: "a non-empty string (a path)",
  done_path: "a non-empty string (a path)",
  error_path: "a non-empty string (a path)",
  logs_path: "a non-empty string (a path) or null",
};

/** Malformed call args. The message names the field. */
export class CallArgsError extends Error {
  constructor(
    message: string,
    /** The offending field, when one is to blame. */
    readonly field?: string,
  ) {
    super(message);
    this.name = "CallArgsError";
  }
}

let validator: ValidateFunction | undefined;
function validate(value: unknown): ErrorObject[] {
  // Loaded and compiled on first use: Ajv costs ~30 ms to load, which every program importing the
  // runtime (graph scripts, generated stubs) would otherwise pay without reading a call-args file.
  if (!validator) {
    const { Ajv2020 } = createRequire(import.meta.url)("ajv/dist/2020.js") as { Ajv2020: typeof Ajv2020Class };
    validator = new Ajv2020({ allErrors: true, strict: true }).compile(callArgsSchema);
  }
  return validator(value) ? [] : (validator.errors ?? []);
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "string") return `the string ${JSON.stringify(v)}`;
  if (typeof v === "object") return "an object";
  return `${typeof v} ${JSON.stringify(v)}`;
}

function humanError(err: ErrorObject, value: Record<string, unknown>): CallArgsError {
  if (err.keyword === "required" && err.instancePath === "") {
    const field = (err.params as { missingProperty: string }).missingProperty;
    return new CallArgsError(`call args: field '${field}' is missing`, field);
  }
  const [, field = "", port] = err.instancePath.split("/");
  const expected = EXPECTED[field as keyof typeof EXPECTED] ?? "valid";
  const got = value[field];
  if (port !== undefined) {
    const portName = port.replace(/~1/g, "/").replace(/~0/g, "~");
    const portValue = (got as Record<string, unknown>)[portName];
    return new CallArgsError(
      `call args: field '${field}' must be ${expected}; port '${portName}' is ${describe(portValue)}`,
      field,
    );
  }
  return new CallArgsError(`call args: field '${field}' must be ${expected}, got ${describe(got)}`, field);
}

/** Parse and check the text of a `definition` file. Throws `CallArgsError` naming the field. */
export function parseCallArgs(text: string): CallArgs {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new CallArgsError(`call args: not valid JSON (${(e as Error).message})`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new CallArgsError(`call args: must be a JSON object, got ${describe(value)}`);
  }
  const errors = validate(value);
  if (errors.length > 0) {
    // Report the first field in wire order, so the message does not depend on ajv's order.
    const rank = (e: ErrorObject) => {
      const f =
        e.keyword === "required"
          ? (e.params as { missingProperty: string }).missingProperty
          : e.instancePath.split("/")[1];
      const i = CALL_ARGS_FIELDS.indexOf(f as (typeof CALL_ARGS_FIELDS)[number]);
      return i < 0 ? CALL_ARGS_FIELDS.length : i;
    };
    const first = [...errors].sort((a, b) => rank(a) - rank(b))[0]!;
    throw humanError(first, value as Record<string, unknown>);
  }
  const v = value as CallArgs;
  return {
    function_name: v.function_name,
    inputs: { ...v.inputs },
    outputs: { ...v.outputs },
    output_dir: v.output_dir,
    done_path: v.done_path,
    error_path: v.error_path,
    logs_path: v.logs_path,
  };
}

/** The `definition` file text: compact JSON, fields in wire order, raw UTF-8, no trailing newline. */
export function serializeCallArgs(args: CallArgs): string {
  const ordered = Object.fromEntries(CALL_ARGS_FIELDS.map((f) => [f, args[f]]));
  return JSON.stringify(ordered);
}

/** A call-args path against the checkpoints root; absolute paths are used as they are. */
export function resolvePath(root: string, p: string): string {
  return isAbsolute(p) ? normalize(p) : join(root, p);
}

/**
 * The worker contract's environment for a task (CONTRACT.md, "Environment of a shell worker"),
 * computed on the controller and written into the job script, so a job sees exactly what the
 * local shell executor gives a launcher, whatever the site's `--export` policy. Paths are
 * absolute; the checkpoints live on a file system the compute nodes share.
 */
import { readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import type { TaskLaunch } from "../executor.js";

interface Definition {
  readonly function_name: string;
  readonly inputs?: Readonly<Record<string, string>>;
  readonly outputs?: Readonly<Record<string, string>>;
  readonly output_dir: string;
  readonly done_path: string;
  readonly error_path: string;
  readonly logs_path?: string | null;
}

const PORT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The contract variables for a launch; throws a message naming the definition file if unreadable. */
export function contractEnvironment(launch: TaskLaunch): Record<string, string> {
  const definitionFile = join(launch.root, launch.definitionPath);
  // `callArgs` (the args the controller just wrote) saves reading the file back, when present.
  const given = (launch as { readonly callArgs?: unknown }).callArgs as Definition | undefined;
  const args = given ?? readDefinition(definitionFile);
  const abs = (p: string) => (isAbsolute(p) ? p : join(launch.root, p));
  const env: Record<string, string> = {
    TKR_DIR: launch.root,
    checkpoints_directory: launch.root,
    function_name: args.function_name,
    done_path: abs(args.done_path),
    error_path: abs(args.error_path),
    output_dir: abs(args.output_dir),
    logs_path: args.logs_path ? abs(args.logs_path) : join(launch.root, launch.workflowId, "logs"),
    worker_call_args_file: definitionFile,
  };
  for (const [direction, ports] of [
    ["input", args.inputs],
    ["output", args.outputs],
  ] as const) {
    for (const [port, path] of Object.entries(ports ?? {})) {
      // Port names are checked by the spec; a hand-written definition could still hold anything.
      if (!PORT.test(port))
        throw new Error(`${definitionFile}: ${direction} port ${JSON.stringify(port)} cannot be a variable name`);
      env[`${direction}_${port}_file`] = abs(path);
    }
  }
  return env;
}

function readDefinition(file: string): Definition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new Error(`cannot read the task's call arguments ${file}: ${(error as Error).message}`);
  }
  const d = parsed as Partial<Definition> | null;
  for (const field of ["function_name", "output_dir", "done_path", "error_path"] as const) {
    if (typeof d?.[field] !== "string") throw new Error(`call arguments ${file}: ${field} is missing or not a string`);
  }
  return d as Definition;
}

/**
 * The environment of a shell worker (CONTRACT.md), all absolute paths. Unlike upstream,
 * `function_name` is the task name (`add`), not a path.
 */
import type { CallArgs } from "../../runtime/call-args.js";
import { resolvePath } from "../../runtime/call-args.js";

export function contractEnv(root: string, args: CallArgs, definitionAbs: string, logs: string): Record<string, string> {
  const abs = (p: string) => resolvePath(root, p);
  const env: Record<string, string> = {
    TKR_DIR: root,
    checkpoints_directory: root,
    function_name: args.function_name,
    done_path: abs(args.done_path),
    error_path: abs(args.error_path),
    output_dir: abs(args.output_dir),
    logs_path: args.logs_path === null ? logs : abs(args.logs_path),
    worker_call_args_file: definitionAbs,
  };
  for (const [k, v] of Object.entries(args.inputs)) env[`input_${k}_file`] = abs(v);
  for (const [k, v] of Object.entries(args.outputs)) env[`output_${k}_file`] = abs(v);
  return env;
}

/**
 * The environment a pool entry adds to its worker's program: `env` as given, each template
 * variable as `var_<name>` (which generated launchers read for `{var.<name>}`), and the entry's volume as `volume_<name>` (its path). The contract's
 * own variables are set per task after these and always win; naming one here is an error, so
 * nobody is surprised that it had no effect.
 */
import type { WorkerEntry } from "./config.js";

const CONTRACT_NAMES = new Set([
  "TKR_DIR",
  "checkpoints_directory",
  "function_name",
  "done_path",
  "error_path",
  "output_dir",
  "logs_path",
  "worker_call_args_file",
]);

/** Why `name` may not be set by a pool entry's `env`, or undefined when it may. */
export function reservedEnvName(name: string): string | undefined {
  if (CONTRACT_NAMES.has(name) || /^(input|output)_.+_(file|value)$/.test(name)) {
    return `'${name}' is a variable of the worker contract, set for each task; it cannot be overridden`;
  }
  if (name === "TW_LAUNCH")
    return `'TW_LAUNCH' is set for each Slurm job from its resources: set 'launch' under 'resources'`;
  if (name.startsWith("var_"))
    return `'${name}' is where template variables go: set it under 'vars' as '${name.slice(4)}'`;
  if (name.startsWith("volume_")) return `'${name}' is where the entry's volume goes: set it with 'volume'`;
  return undefined;
}

export function entryEnv(entry: WorkerEntry, volumes: Readonly<Record<string, string>>): Record<string, string> {
  const env: Record<string, string> = { ...entry.env };
  for (const [k, v] of Object.entries(entry.vars ?? {})) env[`var_${k}`] = String(v);
  if (entry.volume !== undefined && volumes[entry.volume] !== undefined)
    env[`volume_${entry.volume}`] = volumes[entry.volume]!;
  return env;
}

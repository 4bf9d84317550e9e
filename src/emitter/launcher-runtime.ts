/**
 * The fixed part of every generated launcher: the bash runtime in `runtime/launcher-runtime.sh`
 * (a real shell file, shellchecked by the tests and copied beside the compiled code by the build).
 * The launcher inlines it, or sources it from one shared file beside the worker folders.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const LAUNCHER_RUNTIME_PATH = fileURLToPath(new URL("./runtime/launcher-runtime.sh", import.meta.url));

/** Name of the shared runtime file, beside the worker folders (not an identifier: no worker has it). */
export const SHARED_RUNTIME_FILE = "launcher-runtime.sh";

let text: string | undefined;

/** The runtime's bash text. */
export function launcherRuntime(): string {
  return (text ??= readFileSync(LAUNCHER_RUNTIME_PATH, "utf8"));
}

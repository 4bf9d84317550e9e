/**
 * The fixed part of every generated launcher: the bash runtime in `runtime/launcher-runtime.sh`
 * with the string codec `runtime/string-codec.pl` in the here-document of its `tkr_codec` (real
 * shell and Perl files, linted by the tests and copied beside the compiled code by the build).
 * The launcher inlines it, or sources it from one shared file beside the worker folders.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const LAUNCHER_RUNTIME_PATH = fileURLToPath(new URL("./runtime/launcher-runtime.sh", import.meta.url));
export const STRING_CODEC_PATH = fileURLToPath(new URL("./runtime/string-codec.pl", import.meta.url));

/** Name of the shared runtime file, beside the worker folders (not an identifier: no worker has it). */
export const SHARED_RUNTIME_FILE = "launcher-runtime.sh";

/** The line of the runtime's here-document that stands for the codec, and the line that ends it. */
const CODEC_LINE = `die "typespec-workers: string-codec.pl belongs here; the emitter puts it in\\n";\n`;
const CODEC_END = "TKR_CODEC";

let text: string | undefined;

/** The runtime's bash text, the codec in place. */
export function launcherRuntime(): string {
  return (text ??= assemble(readFileSync(LAUNCHER_RUNTIME_PATH, "utf8"), readFileSync(STRING_CODEC_PATH, "utf8")));
}

function assemble(runtime: string, codec: string): string {
  const at = runtime.indexOf(`\n${CODEC_LINE}${CODEC_END}\n`);
  if (at < 0 || runtime.indexOf(CODEC_LINE, at + 2) >= 0)
    throw new Error(`${LAUNCHER_RUNTIME_PATH}: no single codec line`);
  // The here-document ends at the first line that is its delimiter alone.
  if (codec.split("\n").includes(CODEC_END)) throw new Error(`${STRING_CODEC_PATH} has a line '${CODEC_END}'`);
  return runtime.slice(0, at + 1) + codec.trimEnd() + "\n" + runtime.slice(at + 1 + CODEC_LINE.length);
}

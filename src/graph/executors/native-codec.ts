/**
 * The compiled string codec (`native-codec.c`): built once per machine with the system's C
 * compiler and kept in the user's cache, so that launchers convert string values at the speed
 * of a byte loop rather than of the Perl codec they carry (docs/launchers.md, "String values").
 * Executors that start launchers on this machine, or on compute nodes that share its file system,
 * hand its path to them in `TW_STRING_CODEC_BIN`; where there is no compiler, or the build fails,
 * nothing is handed and launchers use their Perl codec, with the same results.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { accessSync, constants, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { homedir, hostname } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { pidAlive } from "../run-lock.js";

/** The variable that hands launchers the codec's path (read by launcher-runtime.sh). */
export const CODEC_BIN_ENV = "TW_STRING_CODEC_BIN";
/** The protocol version the codec prints for `version`, as launchers expect it. */
export const CODEC_VERSION = "1";

const SOURCE = fileURLToPath(new URL("./native-codec.c", import.meta.url));
const run = promisify(execFile);

let built: Promise<string | undefined> | undefined;

/**
 * The environment that gives a launcher the compiled codec: `{ TW_STRING_CODEC_BIN: path }`, or
 * `{}` where it cannot be had. The first call of a process builds or finds it; later calls reuse
 * that answer.
 */
export async function nativeCodecEnv(): Promise<Record<string, string>> {
  const path = await (built ??= nativeCodec(process.env));
  return path === undefined ? {} : { [CODEC_BIN_ENV]: path };
}

/**
 * The path of the compiled codec for this machine, building it first if the cache lacks it; or
 * undefined when `TW_STRING_CODEC` asks for another codec, no cache folder can be made, or no C
 * compiler builds it. `TW_CACHE_DIR` overrides the cache folder, `CC` the compiler. It never
 * throws: without the compiled codec a run is slower, never wrong.
 */
export async function nativeCodec(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  if (env.TW_STRING_CODEC === "perl" || env.TW_STRING_CODEC === "jq") return undefined;
  try {
    return await findOrBuild(env);
  } catch {
    return undefined;
  }
}

async function findOrBuild(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const source = readFileSync(SOURCE);
  // The source's hash in the name: a cached build always matches the package that uses it, and
  // two package versions on one machine keep their own.
  const hash = createHash("sha256").update(source).digest("hex").slice(0, 16);
  const dir = cacheDir(env);
  if (dir === undefined) return undefined;
  const target = join(dir, `string-codec-${hash}-${process.platform}-${process.arch}`);
  if (await runs(target)) return target;
  // Built under a name of its own, then renamed: controllers building at once (on this machine or
  // others sharing the folder) never see half a file.
  const temp = `${target}.${hostname()}.${process.pid}.tmp`;
  removeAbandoned(dir, target);
  const compiler = env.CC || "cc";
  try {
    // Static where the C library allows it, so compute nodes with another libc still run it.
    for (const link of [["-static"], []]) {
      try {
        await run(compiler, ["-O2", "-std=c99", ...link, "-o", temp, SOURCE], { timeout: 60_000 });
      } catch {
        continue;
      }
      if (await runs(temp)) {
        renameSync(temp, target);
        return target;
      }
    }
    return undefined;
  } finally {
    rmSync(temp, { force: true });
  }
}

/**
 * Removes what builds of `target` by controllers on this machine that died (killed while
 * compiling) left behind; another machine's builds are its own to judge.
 */
function removeAbandoned(dir: string, target: string): void {
  const prefix = `${basename(target)}.${hostname()}.`;
  for (const name of readdirSync(dir)) {
    const pid = Number(/^(\d+)\.tmp$/.exec(name.slice(prefix.length))?.[1]);
    if (!name.startsWith(prefix) || !pid || pidAlive(pid)) continue;
    rmSync(join(dir, name), { force: true });
  }
}

/** The cache folder, made if missing; undefined unless it is a folder only its owner (we) can write. */
function cacheDir(env: NodeJS.ProcessEnv): string | undefined {
  const base = env.TW_CACHE_DIR || join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "typespec-workers");
  try {
    mkdirSync(base, { recursive: true, mode: 0o700 });
    const info = statSync(base);
    // A folder others can write could hand us their program to run.
    if (!info.isDirectory() || (info.mode & 0o022) !== 0) return undefined;
    if (process.getuid !== undefined && info.uid !== process.getuid()) return undefined;
    accessSync(base, constants.W_OK);
    return base;
  } catch {
    return undefined;
  }
}

/** Whether the program at `path` runs here and speaks this protocol version. */
async function runs(path: string): Promise<boolean> {
  try {
    const { stdout } = await run(path, ["version"], { timeout: 10_000 });
    return stdout.trim() === CODEC_VERSION;
  } catch {
    return false;
  }
}

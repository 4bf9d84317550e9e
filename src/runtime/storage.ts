/**
 * Worker storage: the seven operations a worker needs from the checkpoint store (upstream's
 * `WorkerStorage` protocol), with a file implementation for real runs and an in-memory one for
 * in-process runs and tests. Both pass the same test suite.
 *
 * Paths are the strings from the call args: relative to the checkpoints root, or absolute.
 */
import { randomBytes } from "node:crypto";
import { renameSync, rmSync, writeFileSync } from "node:fs";
import { appendFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join, posix, resolve as resolveFs, sep } from "node:path";
import { parseCallArgs, resolvePath, type CallArgs } from "./call-args.js";
import { globRegExp, hasMagic, segmentRegExp } from "./glob.js";

/** A file the storage does not have (a missing input, for example). */
export class NotFoundError extends Error {
  readonly code = "ENOENT";
  constructor(readonly path: string) {
    super(`no such file: ${path}`);
    this.name = "NotFoundError";
  }
}

export interface WorkerStorage {
  /** Where a call-args path is: against the root, or as it is when absolute. */
  resolve(path: string): string;
  /** Read and check a `definition` file. Throws `NotFoundError` or `CallArgsError`. */
  readCallArgs(path: string): Promise<CallArgs>;
  /** The bytes of an input port file. Throws `NotFoundError` when there is none. */
  readInput(path: string): Promise<Uint8Array>;
  /** Write an output port file atomically: readers see nothing or the whole value. */
  writeOutput(path: string, value: Uint8Array): Promise<void>;
  /** Resolved paths matching a pattern (see `glob.ts` for the dialect), sorted. */
  glob(pattern: string): Promise<string[]>;
  /** Signal success: create the (empty) done marker. */
  markDone(path: string): Promise<void>;
  /** Signal failure: write the error marker holding the message. */
  writeError(path: string, message: string): Promise<void>;
  /** Append text to a log. Not one of upstream's seven; a storage may drop logs. */
  appendLog?(path: string, text: string): Promise<void>;
}

/**
 * The checkpoints root a worker uses: `TKR_DIR` (as upstream), else `checkpoints_directory` (what
 * launchers export, so a TS worker started by one agrees with it), else `~/.tierkreis/checkpoints`.
 * A relative value is taken against the working directory.
 */
export function defaultRoot(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env["TKR_DIR"] || env["checkpoints_directory"];
  return dir ? resolveFs(dir) : join(homedir(), ".tierkreis", "checkpoints");
}

function isNotFound(e: unknown): boolean {
  return (e as NodeJS.ErrnoException | undefined)?.code === "ENOENT";
}

// Unique among writers: this process's pid, a nonce (a leftover of an earlier process with the
// same pid cannot collide) and a counter (cheaper than random bytes per file).
const processNonce = randomBytes(4).toString("hex");
let tmpCount = 0;
const tmpSuffix = () => `${process.pid}-${processNonce}-${(tmpCount++).toString(36)}`;

/**
 * Write a file so that it appears complete or not at all: the bytes go to a temporary file in
 * the same folder (same file system, so the rename is atomic), which is then renamed over the
 * target. A failed write (a full disk) removes the temporary file and names the target; a crash
 * leaves at most a `.<name>.tmp-*` file behind, never a truncated `<name>`.
 */
export async function writeFileAtomic(target: string, data: Uint8Array | string): Promise<void> {
  const dir = dirname(target);
  const tmp = join(dir, `.${target.slice(dir.length + 1)}.tmp-${tmpSuffix()}`);
  try {
    try {
      await writeFile(tmp, data, { flag: "wx" });
    } catch (e) {
      if (!isNotFound(e)) throw e;
      // The controller creates the outputs folder; be forgiving if a custom one did not.
      await mkdir(dir, { recursive: true });
      await writeFile(tmp, data, { flag: "wx" });
    }
    await rename(tmp, target);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw namedWriteError(e, target);
  }
}

/** The same, synchronously (small files written from the controller's thread). */
export function writeFileAtomicSync(target: string, data: Uint8Array | string): void {
  const dir = dirname(target);
  const tmp = join(dir, `.${target.slice(dir.length + 1)}.tmp-${tmpSuffix()}`);
  try {
    writeFileSync(tmp, data, { flag: "wx" });
    renameSync(tmp, target);
  } catch (e) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // Nothing more to do: the error below names the target.
    }
    throw namedWriteError(e, target);
  }
}

/**
 * Node's write errors name no file (`ENOSPC: no space left on device, write`): one that names
 * the file the caller meant, keeping `code` for callers that test it.
 */
function namedWriteError(e: unknown, target: string): Error {
  const err = e as NodeJS.ErrnoException;
  if (typeof err?.message === "string" && err.message.includes(target)) return err;
  return Object.assign(new Error(`cannot write ${target}: ${err?.message ?? String(e)}`, { cause: e }), {
    code: err?.code,
  });
}

export class FileStorage implements WorkerStorage {
  /** Absolute checkpoints root. */
  readonly root: string;

  constructor(root?: string) {
    this.root = root === undefined ? defaultRoot() : resolveFs(root);
  }

  resolve(path: string): string {
    return resolvePath(this.root, path);
  }

  async readCallArgs(path: string): Promise<CallArgs> {
    return parseCallArgs(await this.read(path, "utf8"));
  }

  async readInput(path: string): Promise<Uint8Array> {
    const b = await this.read(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  }

  async writeOutput(path: string, value: Uint8Array): Promise<void> {
    await writeFileAtomic(this.resolve(path), value);
  }

  async glob(pattern: string): Promise<string[]> {
    // Only the pattern's own segments are wildcards, never the root's (it may contain `[`).
    const p = pattern.split(sep).join("/");
    const segs = p.split("/").filter((x) => x !== "" && x !== ".");
    let base = p.startsWith("/") ? "/" : this.root;
    let i = 0;
    // Walk from the longest prefix without wildcards; only folders that can match are read.
    while (i < segs.length && !hasMagic(segs[i]!) && segs[i] !== "**") base = join(base, segs[i++]!);
    const rest = segs.slice(i);
    if (rest.length === 0) return (await exists(base)) ? [base] : [];
    const out: string[] = [];
    await walk(base, rest, out);
    return out.sort();
  }

  async markDone(path: string): Promise<void> {
    await writeFile(this.resolve(path), "");
  }

  async writeError(path: string, message: string): Promise<void> {
    await writeFileAtomic(this.resolve(path), message);
  }

  async appendLog(path: string, text: string): Promise<void> {
    await appendFile(this.resolve(path), text);
  }

  private async read(path: string): Promise<Buffer>;
  private async read(path: string, encoding: "utf8"): Promise<string>;
  private async read(path: string, encoding?: "utf8"): Promise<Buffer | string> {
    try {
      return await readFile(this.resolve(path), encoding ?? null);
    } catch (e) {
      if (isNotFound(e)) throw new NotFoundError(path);
      throw e;
    }
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

async function entries(dir: string): Promise<{ name: string; isDir: boolean }[]> {
  try {
    const ds = await readdir(dir, { withFileTypes: true });
    return ds.map((d) => ({ name: d.name, isDir: d.isDirectory() }));
  } catch {
    return [];
  }
}

async function walk(dir: string, segs: string[], out: string[]): Promise<void> {
  const [seg, ...rest] = segs as [string, ...string[]];
  const at = (name: string) => (dir.endsWith("/") ? dir + name : `${dir}/${name}`);
  if (seg === "**") {
    // `**` matches zero segments here, or one more folder and stays active below it.
    if (rest.length === 0) {
      const all: string[] = [];
      await collectAll(dir, all);
      out.push(...all);
      return;
    }
    await walk(dir, rest, out);
    for (const e of await entries(dir)) if (e.isDir) await walk(at(e.name), segs, out);
    return;
  }
  const re = hasMagic(seg) ? segmentRegExp(seg) : undefined;
  for (const e of await entries(dir)) {
    if (re ? !re.test(e.name) : e.name !== seg) continue;
    if (rest.length === 0) out.push(at(e.name));
    else if (e.isDir) await walk(at(e.name), rest, out);
  }
}

async function collectAll(dir: string, out: string[]): Promise<void> {
  for (const e of await entries(dir)) {
    const p = dir.endsWith("/") ? dir + e.name : `${dir}/${e.name}`;
    out.push(p);
    if (e.isDir) await collectAll(p, out);
  }
}

/**
 * Files in a map, keyed by their normalized path (relative paths stay relative: the in-memory
 * store has no root). Writes are atomic by construction. Nothing throws on `writeError`: the
 * message is kept, so in-process runs report it like file runs do.
 */
export class MemoryStorage implements WorkerStorage {
  readonly files = new Map<string, Uint8Array>();

  resolve(path: string): string {
    const p = posix.normalize(path.split(sep).join("/"));
    return p.startsWith("./") ? p.slice(2) : p;
  }

  async readCallArgs(path: string): Promise<CallArgs> {
    return parseCallArgs(new TextDecoder().decode(this.get(path)));
  }

  async readInput(path: string): Promise<Uint8Array> {
    return this.get(path);
  }

  async writeOutput(path: string, value: Uint8Array): Promise<void> {
    // A copy, so a caller that reuses its buffer cannot change a written value.
    this.files.set(this.resolve(path), value.slice());
  }

  async glob(pattern: string): Promise<string[]> {
    const re = globRegExp(this.resolve(pattern));
    return [...this.files.keys()].filter((k) => re.test(k)).sort();
  }

  async markDone(path: string): Promise<void> {
    this.files.set(this.resolve(path), new Uint8Array());
  }

  async writeError(path: string, message: string): Promise<void> {
    this.files.set(this.resolve(path), new TextEncoder().encode(message));
  }

  async appendLog(path: string, text: string): Promise<void> {
    const key = this.resolve(path);
    const old = this.files.get(key) ?? new Uint8Array();
    const add = new TextEncoder().encode(text);
    const joined = new Uint8Array(old.length + add.length);
    joined.set(old);
    joined.set(add, old.length);
    this.files.set(key, joined);
  }

  /** Put a file in place (as a controller would), e.g. a `definition` or an input value. */
  put(path: string, value: Uint8Array | string): void {
    this.files.set(this.resolve(path), typeof value === "string" ? new TextEncoder().encode(value) : value.slice());
  }

  private get(path: string): Uint8Array {
    const v = this.files.get(this.resolve(path));
    if (v === undefined) throw new NotFoundError(path);
    return v;
  }
}

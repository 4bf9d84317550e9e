/**
 * Small file operations shared by the run layout, the executors and `status`: existence, the tail
 * of a log, a copy that appears whole, and errors that name their file.
 */
import { copyFile, readFile, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { RunFileError } from "./errors.js";

/** Run `op`; a failure becomes a `RunFileError` naming `file`. */
export async function onFile<T>(op: RunFileError["op"], file: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw e instanceof RunFileError ? e : new RunFileError(op, file, e);
  }
}

/** A copy that appears whole or not at all (across devices, where a hard link cannot be made). */
export async function copyAtomic(src: string, dst: string): Promise<void> {
  const tmp = join(dirname(dst), `.${basename(dst)}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`);
  try {
    await copyFile(src, tmp);
    await rename(tmp, dst);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
}

export async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

/** The last `lines` lines of a text file (at most the last 4 KiB), or undefined. */
export async function tail(path: string, lines = 12): Promise<string | undefined> {
  let text: string;
  try {
    const buf = await readFile(path);
    text = buf.subarray(Math.max(0, buf.length - 4096)).toString("utf8");
  } catch {
    return undefined;
  }
  const all = text.replace(/\s+$/, "").split("\n");
  const out = all.slice(-lines).join("\n");
  return out === "" ? undefined : out;
}

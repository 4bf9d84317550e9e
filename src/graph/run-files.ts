/**
 * The checkpoint layout of a run (CONTRACT.md): where each node's files are, and the small file
 * operations the controller does on them. All writes are async; values are passed from producer
 * to consumer folders with hard links (as upstream), falling back to a copy across devices.
 *
 * Values and markers appear whole or not at all: values are written to a temporary file and
 * renamed (`writeFileAtomic`), `_done` is an empty file (its creation is the whole write), and
 * `_error` is written like a value. Every failure names the file (`RunFileError`), since Node's
 * own write errors do not (`ENOSPC: no space left on device, write`).
 */
import { copyFile, link, mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { writeFileAtomic } from "../runtime-contract/storage.js";
import { RunError, RunFileError } from "./errors.js";

/** Run `op`; a failure becomes a `RunFileError` naming `file`. */
export async function onFile<T>(op: RunFileError["op"], file: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw e instanceof RunFileError ? e : new RunFileError(op, file, e);
  }
}

export const GRAPH_INPUTS = "N-1";
export const BODY_PORT = "body";
/** Which kind of executor ran a task (`python`, `persistent`, ...), written by pool executors; `status` shows it. */
export const KIND_FILE = "_kind";

export class RunFiles {
  /** Absolute `<root>/<workflowId>`. */
  readonly dir: string;
  /** `<root>/<workflowId>/logs`. */
  readonly logs: string;

  constructor(
    /** Absolute checkpoints root (`TKR_DIR`). */
    readonly root: string,
    readonly workflowId: string,
  ) {
    this.dir = join(root, workflowId);
    this.logs = join(this.dir, "logs");
  }

  node(loc: string): string {
    return join(this.dir, loc);
  }
  outputs(loc: string): string {
    return join(this.dir, loc, "outputs");
  }
  output(loc: string, port: string): string {
    return join(this.dir, loc, "outputs", port);
  }
  /** A path relative to the root, as call args hold them. */
  rel(loc: string, ...rest: string[]): string {
    return [this.workflowId, loc, ...rest].join("/");
  }

  async isDone(loc: string): Promise<boolean> {
    return exists(join(this.dir, loc, "_done"));
  }
  async markDone(loc: string): Promise<void> {
    const file = join(this.dir, loc, "_done");
    await onFile("create", file, () => writeFile(file, ""));
  }
  async markError(loc: string, message: string): Promise<void> {
    const file = join(this.dir, loc, "_error");
    await onFile("write", file, async () => {
      await mkdir(this.node(loc), { recursive: true });
      await writeFileAtomic(file, message);
    });
  }
  async readError(loc: string): Promise<string | undefined> {
    try {
      return await readFile(join(this.dir, loc, "_error"), "utf8");
    } catch {
      return undefined;
    }
  }

  /** Make `<loc>/outputs` (and the node folder): two mkdirs, not the three of `recursive` on a new path. */
  async prepare(loc: string): Promise<void> {
    await onFile("create", this.outputs(loc), async () => {
      try {
        await mkdir(this.node(loc));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST")
          return void (await mkdir(this.outputs(loc), { recursive: true }));
      }
      try {
        await mkdir(this.outputs(loc));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      }
    });
  }

  /** Forget a node's previous attempt (resume): markers and outputs; its stderr log is kept. */
  async reset(loc: string): Promise<void> {
    await onFile("remove", this.node(loc), () =>
      Promise.all([
        rm(join(this.dir, loc, "_error"), { force: true }),
        rm(join(this.dir, loc, "_done"), { force: true }),
        rm(this.outputs(loc), { recursive: true, force: true }),
      ]),
    );
  }

  /**
   * A file the node's `_done` does not vouch for (`definition`, `nodedef`): written in place, as
   * a crash before `_done` has them rewritten on resume anyway.
   */
  async write(loc: string, name: string, data: string | Uint8Array): Promise<void> {
    const file = join(this.dir, loc, name);
    await onFile("write", file, () => writeFile(file, data));
  }

  /** A value (`<loc>/outputs/<port>`), whole or not at all. */
  async writeValue(loc: string, port: string, data: string | Uint8Array): Promise<void> {
    const file = this.output(loc, port);
    await onFile("write", file, () => writeFileAtomic(file, data));
  }

  /** Make `<to>/outputs/<toPort>` the same file as `<from>/outputs/<fromPort>`. */
  async linkOutput(from: string, fromPort: string, to: string, toPort: string): Promise<void> {
    const src = this.output(from, fromPort);
    const dst = this.output(to, toPort);
    try {
      await link(src, dst);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EEXIST") {
        await onFile("remove", dst, () => rm(dst, { force: true }));
        return this.linkOutput(from, fromPort, to, toPort);
      }
      if (code === "EXDEV" || code === "EPERM") return onFile("write", dst, () => copyAtomic(src, dst));
      throw new RunFileError("link", `${dst} (to ${src})`, e);
    }
  }
}

/** A copy that appears whole or not at all (across devices, where a hard link cannot be made). */
async function copyAtomic(src: string, dst: string): Promise<void> {
  const tmp = join(dirname(dst), `.${basename(dst)}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`);
  try {
    await copyFile(src, tmp);
    await rename(tmp, dst);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
}

/**
 * Fails unless `dir` is a run directory: every run, ours or upstream's, holds its graph at
 * `.N-1/outputs/body` from its start.
 */
export async function requireRunDir(dir: string): Promise<void> {
  if (!(await exists(dir))) throw new RunError(`no run directory at ${dir}`);
  if (!(await exists(join(dir, `.${GRAPH_INPUTS}`, "outputs", BODY_PORT)))) {
    throw new RunError(`${dir} is not a run directory (no .${GRAPH_INPUTS}/outputs/${BODY_PORT})`);
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

/**
 * The run layout (CONTRACT.md): every path and file format of a run directory, and the small file
 * operations the controller does on them. The controller asks this module; it never builds a path. All writes are async; values are passed from producer
 * to consumer folders with hard links (as upstream), falling back to a copy across devices.
 *
 * Values and markers appear whole or not at all: values are written to a temporary file and
 * renamed (`writeFileAtomic`), `_done` is an empty file (its creation is the whole write), and
 * `_error` is written like a value. Every failure names the file (`RunFileError`), since Node's
 * own write errors do not (`ENOSPC: no space left on device, write`).
 */
import { appendFile, link, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pythonString } from "../runtime-contract/json-text.js";
import { writeFileAtomic } from "../runtime-contract/storage.js";
import type { TaskDesc } from "../runtime-contract/task.js";
import type { TypeDesc } from "../runtime-contract/types.js";
import type { GraphSignature } from "./builder.js";
import { RunError, RunFileError } from "./errors.js";
import { copyAtomic, exists, onFile } from "./file-ops.js";

export const GRAPH_INPUTS = "N-1";
export const BODY_PORT = "body";
/** The root graph's location; its outputs are the run's. */
export const ROOT_LOC = "-";
/** Where the run's graph (`body`) and inputs are. */
export const INPUTS_LOC = `.${GRAPH_INPUTS}`;
/** The types of a run, written beside the checkpoints so results decode from the directory alone. */
export const SIGNATURE_FILE = "_signature";
/** What `resume` needs of the options a run started with. */
export const OPTIONS_FILE = "_options.json";
/** Which kind of executor ran a task (`python`, `persistent`, ...), written by pool executors; `status` shows it. */
export const KIND_FILE = "_kind";

export class RunLayout {
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

  /** The layout of an existing run directory. */
  static of(runDir: string): RunLayout {
    const parts = runDir.split("/");
    return new RunLayout(parts.slice(0, -1).join("/") || "/", parts[parts.length - 1]!);
  }

  /** The run's graph, written last when a run starts: its presence says the directory is complete. */
  get body(): string {
    return this.output(INPUTS_LOC, BODY_PORT);
  }
  /** A graph input's value. */
  input(port: string): string {
    return this.output(INPUTS_LOC, port);
  }

  /** `_metadata`, as upstream writes it: the name and local start time. */
  async writeMetadata(name: string): Promise<void> {
    const text = `{${pythonString("name")}: ${pythonString(name)}, ${pythonString("start_time")}: ${pythonString(isoNow())}}`;
    await this.writeWhole(join(this.dir, "_metadata"), text);
  }
  async writeSignature(sig: StoredSignature): Promise<void> {
    const text = JSON.stringify({ name: sig.name, ...sig.signature, tasks: [...sig.tasks.values()] }, null, 2);
    await this.writeWhole(join(this.dir, SIGNATURE_FILE), text + "\n");
  }
  async writeOptions(text: string): Promise<void> {
    await this.writeWhole(join(this.dir, OPTIONS_FILE), text);
  }
  /** The run's graph, last (see `body`). */
  async writeBody(text: string): Promise<void> {
    await this.writeWhole(this.body, text);
  }
  /** The run's failure: `-/_error` with the message, and `-/errors` with where it happened. */
  async writeRunFailure(message: string, where: string): Promise<void> {
    await this.markError(ROOT_LOC, message).catch(() => undefined);
    await writeFileAtomic(join(this.node(ROOT_LOC), "errors"), where).catch(() => undefined);
  }
  /** A line in the run's log. Best effort: a log that cannot be written (full disk) fails nothing. */
  async log(text: string): Promise<void> {
    await appendFile(this.logs, `${isoNow()}: ${text}\n`).catch(() => undefined);
  }

  private async writeWhole(file: string, data: string | Uint8Array): Promise<void> {
    await onFile("write", file, () => writeFileAtomic(file, data));
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
  /** Paths relative to the root, as call args hold them. */
  relOutput(loc: string, port: string): string {
    return `${this.workflowId}/${loc}/outputs/${port}`;
  }
  relOutputs(loc: string): string {
    return `${this.workflowId}/${loc}/outputs`;
  }
  relDone(loc: string): string {
    return `${this.workflowId}/${loc}/_done`;
  }
  relError(loc: string): string {
    return `${this.workflowId}/${loc}/_error`;
  }
  relDefinition(loc: string): string {
    return `${this.workflowId}/${loc}/definition`;
  }
  relLogs(): string {
    return `${this.workflowId}/logs`;
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
  async removeDone(loc: string): Promise<void> {
    const file = join(this.dir, loc, "_done");
    await onFile("remove", file, () => rm(file, { force: true }));
  }
  async removeError(loc: string): Promise<void> {
    const file = join(this.dir, loc, "_error");
    await onFile("remove", file, () => rm(file, { force: true }));
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

/** The graph's output ports and their types, and the task descriptions, as a run keeps them. */
export interface StoredSignature {
  readonly name: string;
  readonly signature: GraphSignature;
  readonly tasks: ReadonlyMap<string, TaskDesc>;
}

export async function readSignature(dir: string): Promise<StoredSignature> {
  try {
    const j = JSON.parse(await readFile(join(dir, SIGNATURE_FILE), "utf8")) as {
      name: string;
      inputs: Record<string, TypeDesc>;
      outputs: Record<string, TypeDesc>;
      shape: "ports" | "value";
      tasks: TaskDesc[];
    };
    return {
      name: j.name,
      signature: { inputs: j.inputs, outputs: j.outputs, shape: j.shape },
      tasks: new Map(j.tasks.map((d) => [`${d.worker}.${d.name}`, d])),
    };
  } catch {
    // A run made by upstream: no declared types; values decode as upstream does without them.
    return { name: "graph", signature: { inputs: {}, outputs: {}, shape: "ports" }, tasks: new Map() };
  }
}

/** Python's `datetime.now().isoformat()`: local time, microseconds, no zone. */
export function isoNow(): string {
  const d = new Date();
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}000`;
}

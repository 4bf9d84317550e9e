/**
 * The run layout (CONTRACT.md): every path and file format of a run directory, and the small file
 * operations the controller does on them. The controller asks this module; it never builds a
 * path. Two layouts: `RunLayout` (the default) and `TierkreisLayout` (every folder upstream's
 * controller writes). All writes are async; values are passed from producer to consumer folders
 * with hard links (as upstream), falling back to a copy across devices.
 *
 * Values and markers appear whole or not at all: values are written to a temporary file and
 * renamed (`writeFileAtomic`), `_done` is an empty file (its creation is the whole write), and
 * `_error` is written like a value. Every failure names the file (`RunFileError`), since Node's
 * own write errors do not (`ENOSPC: no space left on device, write`).
 */
import { appendFile, link, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { pythonString } from "../contract/json-text.js";
import { writeFileAtomic } from "../runtime/storage.js";
import type { TaskSignature } from "../runtime/task.js";
import type { ValueType } from "../contract/value-type.js";
import type { GraphSignature } from "./builder.js";
import { loopNameProblem, nodeDefText, type GraphData, type LoopNode } from "./graph-data.js";
import { RunError, RunFileError } from "./errors.js";
import { copyAtomic, exists, onFile } from "./file-ops.js";

export const GRAPH_INPUTS = "N-1";
export const BODY_PORT = "body";
/** A task's start time, in its folder (see `markStarted`). */
export const STARTED_FILE = "started";
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

/** The layouts a run directory can have (run option `layout`). */
export const LAYOUTS = ["default", "tierkreis"] as const;
export type LayoutKind = (typeof LAYOUTS)[number];

/** A value file: `[node location, port]`, i.e. `<loc>/outputs/<port>`. */
export type FileRef = readonly [string, string];

/**
 * A graph instance as the layout sees it: where it runs, its graph, where its inputs' values are,
 * and what made it (the root, an eval node, a loop iteration, a map element).
 */
export interface GraphPlace {
  readonly loc: string;
  readonly data: GraphData;
  readonly inputs: Readonly<Record<string, FileRef>>;
  readonly role?: "root" | "eval" | "iteration" | "element";
  /** Where the graph itself is (its `body` port in upstream's `<loc>.N-1`). */
  readonly body?: FileRef;
  /** The node definition of the instance's own folder (upstream writes it as the instance starts). */
  readonly nodedef?: string;
  /** An iteration of a named loop: its values are kept, for the loop's trace. */
  readonly traced?: boolean;
}

/** Where a named loop's location is kept (`debug/<name>`, as upstream's `write_debug_data`). */
export const DEBUG_DIR = "debug";

/**
 * The default layout: a folder per task and structural node. Graph inputs and outputs have no
 * folders of their own (a ref to a graph input resolves to the file it came from), and loop
 * iterations and map elements keep only their nodes' folders; the iterations of a named loop
 * keep their outputs too, for the loop's trace.
 */
export class RunLayout {
  readonly kind: LayoutKind = "default";

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

  /** The layout of an existing run directory (`kind`: the one it was started with, see `_options.json`). */
  static of(runDir: string, kind: LayoutKind = "default"): RunLayout {
    return layoutOf(kind, dirname(runDir), basename(runDir));
  }

  /** A graph instance is about to run. */
  async startGraph(g: GraphPlace): Promise<void> {
    if (g.traced) await this.writeInstanceDef(g);
  }
  /** A graph instance has run; `outs`: where its outputs are. */
  async finishGraph(g: GraphPlace, outs: Record<string, FileRef>): Promise<void> {
    if (g.traced) await this.finishInstance(g, outs);
  }
  /** A loop is about to start its first iteration. */
  async startLoop(loc: string, node: LoopNode, _inputs: Record<string, FileRef>, _body: FileRef): Promise<void> {
    if (node.name) await this.writeLoopName(node.name, loc);
  }

  /** `debug/<name>`: a named loop's location, as upstream's `write_debug_data` writes it. */
  protected async writeLoopName(name: string, loc: string): Promise<void> {
    const why = loopNameProblem(name);
    if (why) throw new RunError(`${loc}: loop name ${JSON.stringify(name)} ${why}`);
    const dir = join(this.dir, DEBUG_DIR);
    await onFile("create", dir, () => mkdir(dir, { recursive: true }));
    await this.writeWhole(join(dir, name), `{"loop_loc": ${JSON.stringify(loc)}}`);
  }
  /** An instance's folder, with its node definition: upstream's sign that it started. */
  protected async writeInstanceDef(g: GraphPlace): Promise<void> {
    await this.prepare(g.loc);
    if (g.nodedef) await this.write(g.loc, "nodedef", g.nodedef);
  }
  /** An iteration's or element's outputs, linked into its folder, then its `_done`. */
  protected async finishInstance(g: GraphPlace, outs: Record<string, FileRef>): Promise<void> {
    await Promise.all(Object.entries(outs).map(([port, [l, p]]) => this.linkOutput(l, p, g.loc, port)));
    await this.markDone(g.loc);
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
  /** Forget an earlier attempt's failure (resume): `-/errors`, which upstream's visualizer lists. */
  async clearRunFailure(): Promise<void> {
    const file = join(this.node(ROOT_LOC), "errors");
    await onFile("remove", file, () => rm(file, { force: true }));
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
  /**
   * `<loc>/started`: when the task was handed to its executor (ISO 8601, UTC), so the viewer's
   * timeline need not guess from file times. Best effort: a task is not failed for its clock.
   */
  async markStarted(loc: string): Promise<void> {
    await writeFile(join(this.dir, loc, STARTED_FILE), new Date().toISOString()).catch(() => undefined);
  }
  /**
   * A task the run stopped (it was running when the run failed or was stopped). The default
   * layout leaves its folder as it is: our resume starts it again.
   */
  async taskStopped(_loc: string): Promise<void> {}

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

/** The names of a run's named loops (`debug/`), sorted. */
export async function loopNames(runDir: string): Promise<string[]> {
  const names = await readdir(join(runDir, DEBUG_DIR)).catch(() => [] as string[]);
  return names.filter((n) => !n.startsWith(".")).sort();
}

/** Where a named loop ran, from `debug/<name>`; undefined when the run has no loop of that name. */
export async function loopLocation(runDir: string, name: string): Promise<string | undefined> {
  if (loopNameProblem(name)) return undefined;
  try {
    const j = JSON.parse(await readFile(join(runDir, DEBUG_DIR, name), "utf8")) as { loop_loc?: unknown };
    return typeof j.loop_loc === "string" ? j.loop_loc : undefined;
  } catch {
    return undefined;
  }
}

/** A loop iteration's location. */
export const iterationLoc = (loop: string, i: number) => `${loop}.L${i}`;

/** Whether an iteration started (its folder has a node definition, as upstream tells). */
export async function iterationStarted(runDir: string, loop: string, i: number): Promise<boolean> {
  return exists(join(runDir, iterationLoc(loop, i), "nodedef"));
}

/**
 * The layout upstream Tierkreis's controller writes, so that its `read_outputs`, resume, loop
 * traces and visualizer read our runs: every graph instance gets `<loc>.N-1` (links to its inputs
 * and `body`), a done folder per input node and for the output node; loop iterations `<loc>.L<i>`
 * and map elements `<loc>.M<e>` get a node definition and their outputs; a loop gets `<loc>.N-1`
 * with its inputs and body. Values are still hard links to the one file each value was written to.
 */
export class TierkreisLayout extends RunLayout {
  override readonly kind: LayoutKind = "tierkreis";

  override async startGraph(g: GraphPlace): Promise<void> {
    // The node definition first: upstream takes a folder with one as started, and one without as
    // to be started (which would find the links below already made, and fail).
    if (g.nodedef) await this.writeInstanceDef(g);
    const inputsLoc = `${g.loc}.${GRAPH_INPUTS}`;
    const inputsFolder = async () => {
      await this.prepare(inputsLoc);
      await Promise.all([
        ...Object.entries(g.inputs).map(([port, [l, p]]) => this.linkOutput(l, p, inputsLoc, port)),
        ...(g.body ? [this.linkOutput(g.body[0], g.body[1], inputsLoc, BODY_PORT)] : []),
      ]);
    };
    // Input nodes are done from the start, as upstream starts them: a link to the input's value.
    await Promise.all([
      inputsFolder(),
      ...g.data.nodes.map(async (node, j) => {
        if (node.type !== "input" || !g.inputs[node.name]) return;
        const loc = `${g.loc}.N${j}`;
        const [l, p] = g.inputs[node.name]!;
        await this.prepare(loc);
        await Promise.all([this.write(loc, "nodedef", nodeDefText(node)), this.linkOutput(l, p, loc, node.name)]);
        await this.markDone(loc);
      }),
    ]);
  }

  override async finishGraph(g: GraphPlace, outs: Record<string, FileRef>): Promise<void> {
    const out = g.data.graph_output_idx;
    const outNode = out === null ? undefined : g.data.nodes[out];
    const outputNode = async () => {
      if (!outNode) return;
      const loc = `${g.loc}.N${out}`;
      await this.prepare(loc);
      await this.write(loc, "nodedef", nodeDefText(outNode));
      await this.markDone(loc);
    };
    // The root and eval nodes link their outputs themselves.
    const instance = g.role === "iteration" || g.role === "element";
    await Promise.all([outputNode(), instance ? this.finishInstance(g, outs) : undefined]);
  }

  /**
   * Upstream takes a task whose folder has a node definition as running, and waits for it: a task
   * this run stopped loses it (and its call args), so that upstream's resume starts it again.
   */
  override async taskStopped(loc: string): Promise<void> {
    await Promise.all(
      ["nodedef", "definition"].map((f) => rm(join(this.dir, loc, f), { force: true }).catch(() => undefined)),
    );
  }

  override async startLoop(loc: string, node: LoopNode, inputs: Record<string, FileRef>, body: FileRef): Promise<void> {
    await this.prepare(loc);
    await this.write(loc, "nodedef", nodeDefText(node));
    const inputsLoc = `${loc}.${GRAPH_INPUTS}`;
    await this.prepare(inputsLoc);
    await Promise.all([
      ...Object.entries(inputs).map(([port, [l, p]]) => this.linkOutput(l, p, inputsLoc, port)),
      this.linkOutput(body[0], body[1], inputsLoc, BODY_PORT),
    ]);
    await super.startLoop(loc, node, inputs, body);
  }
}

export function layoutOf(kind: LayoutKind, root: string, workflowId: string): RunLayout {
  return kind === "tierkreis" ? new TierkreisLayout(root, workflowId) : new RunLayout(root, workflowId);
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
  readonly tasks: ReadonlyMap<string, TaskSignature>;
}

export async function readSignature(dir: string): Promise<StoredSignature> {
  try {
    const j = JSON.parse(await readFile(join(dir, SIGNATURE_FILE), "utf8")) as {
      name: string;
      inputs: Record<string, ValueType>;
      outputs: Record<string, ValueType>;
      shape: "ports" | "value";
      tasks: TaskSignature[];
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

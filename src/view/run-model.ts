/**
 * The state of every node of a run, read from its directory alone (ours or upstream's) and kept
 * up to date by re-reading only the locations that changed. The graph's shape gives the nodes
 * that have not started yet; folders give the ones that have, including map elements and loop
 * iterations, whose number is only known at run time.
 *
 * File reads here are synchronous on purpose: thousands of small reads are several times faster
 * so than as promises, and a refresh touches only the locations that changed.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { KIND_FILE } from "../pool/kind-marker.js";
import { bodyShape, shapeOf, type GraphShape } from "./graph-shape.js";
import { isLoc, lastStep, parentLoc } from "./locations.js";
import { readRunLockSync, type RunLockInfo } from "../graph/run-lock.js";
import { STARTED_FILE } from "../graph/run-layout.js";

export type NodeState = "waiting" | "running" | "done" | "failed" | "stopped";

export interface ViewNode {
  readonly loc: string;
  /** function, eval, map, loop, const, ifelse, eifelse; `element`/`iteration` for map and loop instances; `graph` for the root. */
  kind: string;
  label: string;
  readonly parent: string | undefined;
  readonly children: string[];
  state: NodeState;
  /** Milliseconds since the epoch. */
  start?: number;
  end?: number;
  /** The failure reason (first 2,000 characters of `_error`). */
  reason?: string;
  /** The node's folder exists. */
  started: boolean;
  /** A graph's input or output node (upstream gives them folders): kept out of the tree. */
  hidden?: boolean;
}

export interface RunSummary {
  readonly name: string;
  readonly state: "running" | "finished" | "failed" | "interrupted" | "unfinished";
  readonly start?: number;
  readonly end?: number;
  /** Task nodes (function nodes) by state. */
  readonly tasks: Record<NodeState, number>;
  readonly lock?: RunLockInfo;
}

const STATES: readonly NodeState[] = ["waiting", "running", "done", "failed", "stopped"];
const KEEP_REASON = 2000;

function statOr(p: string): import("node:fs").Stats | undefined {
  try {
    return statSync(p);
  } catch {
    return undefined;
  }
}

/** Python's `datetime.isoformat()` of local time, as `_metadata` holds it, in ms. */
function parseLocalIso(s: unknown): number | undefined {
  if (typeof s !== "string") return undefined;
  const t = Date.parse(s.replace(/(\.\d{3})\d+$/, "$1"));
  return Number.isNaN(t) ? undefined : t;
}

export class RunModel {
  readonly nodes = new Map<string, ViewNode>();
  /** Map and loop nodes: the graph each element or iteration runs. */
  private readonly bodies = new Map<string, GraphShape>();
  /** The graph run at each instance location (root, eval node, element, iteration). */
  readonly graphs = new Map<string, GraphShape>();
  private dirtyChildren = new Set<string>();
  /** Nodes made since the last refresh: sent to the page even if their state is the default. */
  private made: ViewNode[] = [];
  private readonly expandedMaps = new Set<string>();
  name = "graph";
  startTime: number | undefined;
  rootEnd: number | undefined;
  rootState: "done" | "failed" | undefined;
  rootReason: string | undefined;
  lock: RunLockInfo | undefined;

  constructor(readonly dir: string) {}

  /** Read everything: the graph, then every node folder. */
  load(): void {
    this.made = [];
    this.expandedMaps.clear();
    this.nodes.clear();
    this.graphs.clear();
    this.bodies.clear();
    try {
      const meta = JSON.parse(readFileSync(join(this.dir, "_metadata"), "utf8")) as {
        name?: unknown;
        start_time?: unknown;
      };
      if (typeof meta.name === "string") this.name = meta.name;
      this.startTime = parseLocalIso(meta.start_time);
    } catch {
      // Upstream runs write it too; without it the start is the graph file's time.
    }
    const bodyFile = join(this.dir, ".N-1", "outputs", "body");
    this.startTime ??= statOr(bodyFile)?.mtimeMs;
    const root: ViewNode = {
      loc: "-",
      kind: "graph",
      label: this.name,
      parent: undefined,
      children: [],
      state: "waiting",
      started: false,
    };
    this.nodes.set("-", root);
    this.addInstance("-", shapeOf(JSON.parse(readFileSync(bodyFile, "utf8"))));
    this.rescan();
  }

  /** Re-read every node folder (after a restart, a resume, or when watching is not possible). */
  rescan(): ViewNode[] {
    // `<loc>.N-1` folders hold a nested graph's inputs (upstream): values, not nodes.
    const locs = readdirSync(this.dir).filter((e) => e.startsWith("-.") && isLoc(e) && !e.endsWith(".N-1"));
    // Parents first, so that a map's folder is known before its elements'.
    locs.sort((a, b) => a.length - b.length);
    const touched = new Set<string>(["-"]);
    for (const loc of locs) {
      this.ensure(loc);
      touched.add(loc);
    }
    // Nodes whose folder went away (restarted) are read again too.
    for (const n of this.nodes.values()) if (n.started && !n.hidden) touched.add(n.loc);
    return this.refresh(touched);
  }

  /**
   * Re-read the given locations (and recompute what encloses them); gives the nodes whose shown
   * state changed.
   */
  refresh(locs: Iterable<string>): ViewNode[] {
    const changed = new Map<string, ViewNode>();
    const parents = new Set<string>();
    this.readRoot();
    for (const loc of locs) {
      if (!isLoc(loc) || loc.endsWith(".N-1")) continue;
      const n = this.ensure(loc);
      if (n.hidden) continue;
      const before = fingerprint(n);
      this.readNode(n);
      if (fingerprint(n) !== before) changed.set(loc, n);
      for (let p = n.parent; p !== undefined; p = this.nodes.get(p)?.parent) parents.add(p);
    }
    // Deepest first, so each aggregate sees its children's new states.
    for (const p of [...parents].sort((a, b) => b.length - a.length)) {
      const n = this.nodes.get(p)!;
      const before = fingerprint(n);
      this.aggregate(n);
      if (fingerprint(n) !== before) changed.set(p, n);
    }
    if (!this.runLive()) {
      for (const n of this.nodes.values()) {
        if (n.state === "running") {
          n.state = "stopped";
          changed.set(n.loc, n);
        }
      }
    }
    this.sortChildren();
    for (const n of this.made) changed.set(n.loc, n);
    this.made = [];
    return [...changed.values()];
  }

  /** A controller may still be working on the run. */
  runLive(): boolean {
    if (this.rootState) return false;
    if (this.lock) return this.lock.live;
    // No lock written (a controller without one, or upstream): it cannot be told; say running.
    return true;
  }

  summary(): RunSummary {
    const tasks = Object.fromEntries(STATES.map((s) => [s, 0])) as Record<NodeState, number>;
    for (const n of this.nodes.values()) if (n.kind === "function") tasks[n.state]++;
    const state =
      this.rootState === "done"
        ? "finished"
        : this.rootState === "failed"
          ? "failed"
          : this.lock
            ? this.lock.live
              ? "running"
              : "interrupted"
            : "unfinished";
    return {
      name: this.name,
      state,
      ...(this.startTime !== undefined ? { start: this.startTime } : {}),
      ...(this.rootEnd !== undefined ? { end: this.rootEnd } : {}),
      tasks,
      ...(this.lock ? { lock: this.lock } : {}),
    };
  }

  private readRoot(): void {
    this.lock = readRunLockSync(this.dir);
    const done = statOr(join(this.dir, "-", "_done"));
    const failed = done ? undefined : statOr(join(this.dir, "-", "_error"));
    this.rootState = done ? "done" : failed ? "failed" : undefined;
    this.rootEnd = (done ?? failed)?.mtimeMs;
    this.rootReason = undefined;
    if (failed) {
      try {
        this.rootReason =
          readFileSync(join(this.dir, "-", "_error"), "utf8")
            .trim()
            .slice(0, KEEP_REASON) || undefined;
      } catch {
        // Removed meanwhile (a restart).
      }
    }
  }

  private addNode(loc: string, kind: string, label: string): ViewNode {
    const parent = parentLoc(loc)!;
    const n: ViewNode = {
      loc,
      kind,
      label,
      parent,
      children: [],
      state: "waiting",
      started: false,
    };
    this.nodes.set(loc, n);
    this.made.push(n);
    this.nodes.get(parent)?.children.push(loc);
    this.dirtyChildren.add(parent);
    return n;
  }

  /** The nodes of a graph run at `loc` (their own nested graphs too, where known). */
  private addInstance(loc: string, g: GraphShape): void {
    this.graphs.set(loc, g);
    g.nodes.forEach((node, i) => {
      if (node.type === "input" || node.type === "output") return;
      const child = `${loc}.N${i}`;
      if (this.nodes.has(child)) return;
      this.addNode(child, node.type, node.functionName ?? node.type);
      const body = bodyShape(this.dir, loc, g, node);
      if (!body) return;
      if (node.type === "eval") this.addInstance(child, body);
      else this.bodies.set(child, body);
    });
  }

  /** The node at `loc`, made (with what encloses it) if the graph's shape did not have it. */
  ensure(loc: string): ViewNode {
    const known = this.nodes.get(loc);
    if (known) return known;
    const parent = this.ensure(parentLoc(loc)!);
    // Making the parent (a map element) may have made this node from the element's graph.
    const madeNow = this.nodes.get(loc);
    if (madeNow) return madeNow;
    const [kind, idx] = lastStep(loc)!;
    if (kind === "N") {
      // Not in a known shape (a nested graph passed from outside): its nodedef tells what it is.
      let def: { type?: string; function_name?: string } = {};
      try {
        def = JSON.parse(readFileSync(join(this.dir, loc, "nodedef"), "utf8"));
      } catch {
        // Not written yet: shown as a node until it is.
      }
      if (def.type === "input" || def.type === "output") {
        const hidden: ViewNode = {
          loc,
          kind: def.type,
          label: def.type,
          parent: parent.loc,
          children: [],
          state: "done",
          started: true,
          hidden: true,
        };
        this.nodes.set(loc, hidden);
        return hidden;
      }
      return this.addNode(loc, def.type ?? "node", def.function_name ?? def.type ?? "node");
    }
    const inst = this.addNode(
      loc,
      kind === "M" ? "element" : "iteration",
      `${kind === "M" ? "element" : "iteration"} ${idx}`,
    );
    const body = this.bodies.get(parent.loc) ?? this.lateBody(parent.loc);
    if (body) this.addInstance(loc, body);
    return inst;
  }

  /**
   * A started map's elements, from the list it iterates (the producer's output ports `0`, `1`,
   * ...), so that elements not started yet are shown, and counted, as waiting.
   */
  private expandMap(n: ViewNode): void {
    if (this.expandedMaps.has(n.loc)) return;
    const p = parentLoc(n.loc);
    const step = lastStep(n.loc);
    const node = p === undefined || !step ? undefined : this.graphs.get(p)?.nodes[step[1]];
    const each = node?.reads.find(([, port]) => port === "*");
    if (!each || each[0] < 0) return;
    let names: string[];
    try {
      names = readdirSync(join(this.dir, `${p}.N${each[0]}`, "outputs"));
    } catch {
      return;
    }
    this.expandedMaps.add(n.loc);
    for (const name of names) {
      const e = Number(name.split("-").pop());
      if (Number.isInteger(e) && e >= 0) this.ensure(`${n.loc}.M${e}`);
    }
  }

  /** A map or loop whose body was not readable when its node was added (produced since). */
  private lateBody(loc: string): GraphShape | undefined {
    const p = parentLoc(loc);
    const step = lastStep(loc);
    if (p === undefined || !step) return undefined;
    const g = this.graphs.get(p);
    const node = g?.nodes[step[1]];
    if (!g || !node) return undefined;
    const body = bodyShape(this.dir, p, g, node);
    if (body) this.bodies.set(loc, body);
    return body;
  }

  /** A node's own files: markers and times. */
  private readNode(n: ViewNode): void {
    if (n.kind === "element" || n.kind === "iteration" || n.loc === "-") return;
    // Direct looks at the few files that matter: cheaper than listing the folder (this runs for
    // every node when a run is opened; plain concatenation, as `join` shows in its profile).
    const dir = `${this.dir}/${n.loc}/`;
    const look = (f: string) => statSync(dir + f, { throwIfNoEntry: false });
    const done = look("_done");
    const error = done ? undefined : look("_error");
    // `nodedef` says started (as upstream reads it); a restart removes it and keeps the call args.
    n.started = Boolean(done || error || look("nodedef"));
    delete n.reason;
    delete n.end;
    delete n.start;
    if (done) {
      n.state = "done";
      n.end = done.mtimeMs;
    } else if (error) {
      n.state = "failed";
      n.end = error.mtimeMs;
      let reason = "";
      try {
        reason = readFileSync(dir + "_error", "utf8")
          .trim()
          .slice(0, KEEP_REASON);
      } catch {
        // Removed meanwhile.
      }
      n.reason = reason || "failed (no reason written)";
    } else if (n.kind !== "function") {
      if (n.kind === "map" && n.started) this.expandMap(n);
      // A structural node without a marker: its state is its contents' (see aggregate).
      this.aggregate(n);
    } else {
      n.state = n.started ? "running" : "waiting";
    }
    if (n.kind === "function" && n.started) {
      // The controller writes `started` as it hands the task over; its time is the start.
      const started = look(STARTED_FILE);
      if (started) {
        n.start = started.mtimeMs;
        return;
      }
      // Runs from before it (and upstream's): the nearest file times.
      const def = look("definition");
      const errors = look("errors");
      // The stderr file is made when the process starts (and kept across attempts): its birth
      // is the start if it belongs to this attempt, else the call args' write is the nearest.
      const born = errors && errors.birthtimeMs > 0 ? errors.birthtimeMs : undefined;
      n.start = born !== undefined && (!def || born >= def.mtimeMs - 1) ? born : def?.mtimeMs;
    } else if (n.kind !== "function" && n.kind !== "const") {
      this.aggregateTimes(n);
    }
  }

  /** A structural node's state from its contents, where it has no marker of its own. */
  private aggregate(n: ViewNode): void {
    if (
      n.kind !== "element" &&
      n.kind !== "iteration" &&
      n.loc !== "-" &&
      (n.state === "done" || n.state === "failed") &&
      this.ownMarker(n)
    ) {
      this.aggregateTimes(n);
      return;
    }
    if (n.loc === "-" && this.rootState) {
      n.state = this.rootState;
      if (this.rootReason) n.reason = this.rootReason;
      else delete n.reason;
      if (this.rootEnd !== undefined) n.end = this.rootEnd;
      this.aggregateTimes(n);
      return;
    }
    let any = false;
    let failed: ViewNode | undefined;
    let allDone = n.children.length > 0;
    for (const c of n.children) {
      const s = this.nodes.get(c)!;
      if (s.state === "failed") failed ??= s;
      if (s.state !== "waiting") any = true;
      if (s.state !== "done" && s.kind !== "const") allDone = false;
    }
    if (failed) {
      n.state = "failed";
      n.reason = `${failed.label} at ${failed.loc} failed`;
    } else {
      delete n.reason;
      n.state =
        (n.kind === "element" || n.kind === "iteration") && allDone ? "done" : any || n.started ? "running" : "waiting";
    }
    this.aggregateTimes(n);
  }

  private ownMarker(n: ViewNode): boolean {
    return n.started && n.end !== undefined;
  }

  private aggregateTimes(n: ViewNode): void {
    let start: number | undefined;
    let end: number | undefined;
    for (const c of n.children) {
      const s = this.nodes.get(c)!;
      if (s.start !== undefined && (start === undefined || s.start < start)) start = s.start;
      if (s.end !== undefined && (end === undefined || s.end > end)) end = s.end;
    }
    if (start !== undefined) n.start = start;
    if (n.state === "done" || n.state === "failed") {
      if (n.end === undefined && end !== undefined) n.end = end;
    }
  }

  /** Siblings differ in their last step only: sorted by its kind, then its number. */
  private sortChildren(): void {
    for (const p of this.dirtyChildren) {
      const kids = this.nodes.get(p)?.children;
      if (!kids || kids.length < 2) continue;
      const keyed = kids.map((loc) => {
        const dot = loc.lastIndexOf(".");
        return { loc, kind: loc.charCodeAt(dot + 1), n: Number(loc.slice(dot + 2)) };
      });
      keyed.sort((a, b) => a.kind - b.kind || a.n - b.n);
      for (let i = 0; i < keyed.length; i++) kids[i] = keyed[i]!.loc;
    }
    this.dirtyChildren.clear();
  }
}

/**
 * The executor that ran a task, as far as its folder tells (asked for by the node details and
 * the trace only: the tree does not need it).
 */
export function executorOf(runDir: string, n: ViewNode): string | undefined {
  if (n.kind !== "function" || !n.started) return undefined;
  const dir = join(runDir, n.loc);
  // The pool's executors record their kind (`_kind`: shell, python, container, ...).
  for (const recorded of [KIND_FILE, "_executor"]) {
    try {
      const named = readFileSync(join(dir, recorded), "utf8").trim().slice(0, 40);
      if (named) return named;
    } catch {
      // Not recorded: what the other files tell.
    }
  }
  const has = (f: string) => statSync(join(dir, f), { throwIfNoEntry: false }) !== undefined;
  if (has("job.env") || has("job.sh")) return "slurm";
  if (n.label.startsWith("builtins.")) return "builtin";
  if (has("errors")) return "process";
  return undefined;
}

const fingerprint = (n: ViewNode) => `${n.state}|${n.start}|${n.end}|${n.reason}|${n.children.length}`;

/** The form sent to the page: short keys, no derived data. */
export function wireNode(n: ViewNode): unknown[] {
  return [n.loc, n.kind, n.label, n.state, n.start ?? null, n.end ?? null, null, n.reason ?? null];
}

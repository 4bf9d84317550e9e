/**
 * One run kept up to date for the pages watching it: file-system events (the run folder, and
 * each node folder until the node is done) mark locations changed; after a short debounce only
 * those are read again and the changes are pushed to every page. A controller's start, resume or
 * end line or a restart's line in the run's log reloads everything. Where
 * watching is not available the run is re-read every few seconds instead.
 */
import { closeSync, openSync, readSync, statSync, watch, type FSWatcher } from "node:fs";
import { join } from "node:path";
import { isLoc } from "./locations.js";
import { RunModel, wireNode, type ViewNode } from "./run-model.js";

const DEBOUNCE_MS = 100;
const POLL_MS = 3000;

export type Push = (event: string, data: unknown) => void;

export class RunWatch {
  readonly model: RunModel;
  private readonly pushers = new Set<Push>();
  private readonly nodeWatchers = new Map<string, FSWatcher>();
  private rootWatcher: FSWatcher | undefined;
  private poll: NodeJS.Timeout | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly pending = new Set<string>();
  private reloadPending = false;
  /** How much of the run's log has been looked at. */
  private logOffset = 0;
  /** Server time spent reading the run, for the bench: last full load and the refreshes. */
  readonly timing = { loadMs: 0, refreshMs: 0, refreshes: 0, updatesSent: 0 };

  constructor(readonly dir: string) {
    this.model = new RunModel(dir);
    this.logOffset = statSync(join(dir, "logs"), { throwIfNoEntry: false })?.size ?? 0;
    const t0 = performance.now();
    this.model.load();
    this.timing.loadMs = performance.now() - t0;
    try {
      this.rootWatcher = watch(dir, (_ev, name) => this.onRoot(name?.toString()));
      this.rootWatcher.on("error", () => this.fallBackToPolling());
      this.watchUnfinished();
    } catch {
      this.fallBackToPolling();
    }
  }

  get watching(): boolean {
    return this.poll === undefined;
  }

  subscribe(push: Push): () => void {
    this.pushers.add(push);
    push("snapshot", this.snapshot());
    return () => this.pushers.delete(push);
  }

  snapshot(): unknown {
    const nodes: unknown[] = [];
    // Depth first in child order, so the page can append each node after its parent.
    const walk = (n: ViewNode) => {
      nodes.push(wireNode(n));
      for (const c of n.children) walk(this.model.nodes.get(c)!);
    };
    walk(this.model.nodes.get("-")!);
    return { summary: this.model.summary(), nodes, watching: this.watching };
  }

  /** Read everything again now (after a restart made here) and send it. */
  reload(): void {
    const t0 = performance.now();
    this.model.load();
    this.timing.loadMs = performance.now() - t0;
    this.watchUnfinished();
    const snap = this.snapshot();
    for (const p of this.pushers) p("snapshot", snap);
  }

  close(): void {
    clearTimeout(this.timer);
    clearInterval(this.poll);
    this.rootWatcher?.close();
    for (const w of this.nodeWatchers.values()) w.close();
    this.nodeWatchers.clear();
    this.pushers.clear();
  }

  private fallBackToPolling(): void {
    this.rootWatcher?.close();
    this.rootWatcher = undefined;
    for (const w of this.nodeWatchers.values()) w.close();
    this.nodeWatchers.clear();
    this.poll ??= setInterval(() => {
      this.reloadPending = false;
      this.send(this.model.rescan());
    }, POLL_MS);
    this.poll.unref();
  }

  private onRoot(name: string | undefined): void {
    if (name === undefined) this.reloadPending = true;
    else if (name === "logs") {
      if (this.logSaysReload()) this.reloadPending = true;
      else return;
    } else if (name === "_lock" || name === "-") {
      // `-` holds the run's own markers; the lock tells whether a controller still runs.
      this.pending.add("-");
      this.watchNode("-");
    } else if (name.startsWith("-.") && isLoc(name)) {
      this.pending.add(name);
      this.watchNode(name);
    } else return;
    this.schedule();
  }

  /**
   * The run's log also gets the tasks' standard output, so not every change is news: only the
   * controller's start, resume and end lines and a restart's line mean reading everything again.
   */
  private logSaysReload(): boolean {
    const file = join(this.dir, "logs");
    let size: number;
    try {
      size = statSync(file).size;
    } catch {
      return false;
    }
    if (size < this.logOffset) this.logOffset = 0;
    if (size === this.logOffset) return false;
    const fd = openSync(file, "r");
    try {
      // At most the last 64 KiB of what was added: the controller's lines are short.
      const from = Math.max(this.logOffset, size - 65536);
      const buf = Buffer.alloc(size - from);
      readSync(fd, buf, 0, buf.length, from);
      this.logOffset = size;
      return /: (start run|resume run|finished run|failed at|restart -)/.test(buf.toString("utf8"));
    } finally {
      closeSync(fd);
    }
  }

  private watchNode(loc: string): void {
    if (this.poll || this.nodeWatchers.has(loc)) return;
    try {
      const w = watch(join(this.dir, loc), () => {
        this.pending.add(loc);
        this.schedule();
      });
      w.on("error", () => this.unwatchNode(loc));
      this.nodeWatchers.set(loc, w);
    } catch {
      // Gone already (a restart moved it): the root watcher saw that.
    }
  }

  private unwatchNode(loc: string): void {
    this.nodeWatchers.get(loc)?.close();
    this.nodeWatchers.delete(loc);
  }

  private watchUnfinished(): void {
    this.watchNode("-");
    for (const n of this.model.nodes.values()) if (n.started && n.state !== "done") this.watchNode(n.loc);
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => this.flush(), DEBOUNCE_MS);
  }

  private flush(): void {
    this.timer = undefined;
    if (this.reloadPending) {
      this.reloadPending = false;
      this.pending.clear();
      return this.reload();
    }
    const t0 = performance.now();
    const changed = this.model.refresh(this.pending);
    this.pending.clear();
    this.timing.refreshMs += performance.now() - t0;
    this.timing.refreshes++;
    this.send(changed);
  }

  private send(changed: ViewNode[]): void {
    for (const n of changed) {
      if (n.state === "done" && n.loc !== "-") this.unwatchNode(n.loc);
      else if (n.started) this.watchNode(n.loc);
    }
    if (!changed.length) return;
    this.timing.updatesSent += changed.length;
    const data = {
      summary: this.model.summary(),
      nodes: changed.map(wireNode),
    };
    for (const p of this.pushers) p("update", data);
  }
}

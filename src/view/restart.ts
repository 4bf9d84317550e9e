/**
 * Restart a node: it and everything that depends on it are marked not done, everything else is
 * kept, so that resuming the run runs exactly those again. As upstream's `restart_task` (its
 * #274): nodes that read the node's outputs (transitively, out through the graphs that enclose
 * it, and later iterations of an enclosing loop) are removed whole; the enclosing nodes lose
 * their `_done` and outputs; the node itself loses its `nodedef`, markers and outputs, keeping
 * its call args and stderr. Better than upstream: the folders nested in a removed map, loop or
 * eval go too (upstream leaves their `_done`, so a re-run would reuse stale elements), and what
 * is removed is moved to `<run>/_restarted/<time>/` rather than deleted.
 */
import { appendFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { RunError } from "../graph/errors.js";
import { requireRunDir } from "../graph/run-layout.js";
import { readRunLock } from "../graph/run-lock.js";
import { consumers } from "./graph-shape.js";
import { compareLocs, isLoc, lastStep, parentLoc } from "./locations.js";
import { RunModel } from "./run-model.js";

export const ARCHIVE_DIR = "_restarted";

export interface RestartOutcome {
  readonly loc: string;
  /** Removed whole (moved to the archive). */
  readonly removed: readonly string[];
  /** Marked not done, kept otherwise (the enclosing nodes). */
  readonly reopened: readonly string[];
  readonly archive?: string;
}

/** Locations that must run again when `loc` does (not `loc` itself, nor what encloses it). */
export function dependents(model: RunModel, loc: string): Set<string> {
  const out = new Set<string>();
  const visit = (l: string) => {
    const step = lastStep(l);
    const parent = parentLoc(l);
    if (!step || parent === undefined) return;
    const [kind, idx] = step;
    if (kind === "M") return visit(parent);
    if (kind === "L") {
      for (const c of model.nodes.get(parent)?.children ?? []) {
        const s = lastStep(c);
        if (s && s[0] === "L" && s[1] > idx) out.add(c);
      }
      return visit(parent);
    }
    const g = model.graphs.get(parent);
    if (!g) throw new RunError(`cannot tell what depends on ${l}: the graph run at ${parent} is not known`);
    for (const j of consumers(g, idx)) {
      if (g.nodes[j]!.type === "output") visit(parent);
      else {
        const c = `${parent}.N${j}`;
        if (!out.has(c)) {
          out.add(c);
          visit(c);
        }
      }
    }
  };
  visit(loc);
  return out;
}

/**
 * Refuses while a controller holds the run: its `_lock` names a live process (the controller's
 * own reader, which also tells a reused pid and a reboot; then the plain `{pid, host}` reading).
 */
export async function requireNotHeld(runDir: string): Promise<void> {
  const lock = await readRunLock(runDir);
  if (lock?.live) {
    throw new RunError(
      `${runDir} is held by a running controller (pid ${lock.pid} on ${lock.host}${lock.startedAt ? `, since ${lock.startedAt}` : ""}): ` +
        "stop it (or let it finish) before restarting a node",
    );
  }
}

export async function restartNode(runDir: string, loc: string, loaded?: RunModel): Promise<RestartOutcome> {
  const dir = resolve(runDir);
  await requireRunDir(dir);
  if (!isLoc(loc)) throw new RunError(`'${loc}' is not a node location (like -.N3.M0.N1)`);
  if (loc === "-") throw new RunError("the root '-' cannot be restarted: restart one of its nodes");
  await requireNotHeld(dir);
  const model = loaded ?? new RunModel(dir);
  if (!loaded) model.load();
  else model.rescan();
  const node = model.nodes.get(loc);
  if (!node || lastStep(loc)![0] !== "N") throw new RunError(`${dir} has no node at ${loc}`);
  if (!node.started) throw new RunError(`${loc} (${node.label}) has not started: nothing to restart`);

  const deps = dependents(model, loc);
  const entries = readdirSync(dir).filter((e) => e.startsWith("-.") && isLoc(e));
  const isUnder = (e: string, l: string) => e === l || e.startsWith(l + ".");
  // Whole: the dependents with everything nested in them; and what is nested in the node itself.
  const removed = entries
    .filter((e) => [...deps].some((d) => isUnder(e, d)) || e.startsWith(loc + "."))
    .sort(compareLocs);
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const archive = join(dir, ARCHIVE_DIR, stamp);
  if (removed.length) mkdirSync(archive, { recursive: true });
  for (const e of removed) renameSync(join(dir, e), join(archive, e));

  const reopened: string[] = [];
  for (let p = parentLoc(loc); p !== undefined; p = parentLoc(p)) {
    const pd = join(dir, p);
    if (!existsSync(pd)) continue;
    for (const f of ["_done", "_error", "outputs"]) rmSync(join(pd, f), { recursive: true, force: true });
    reopened.push(p);
  }
  for (const f of ["nodedef", "_done", "_error", "outputs", "_exit"])
    rmSync(join(dir, loc, f), { recursive: true, force: true });
  appendFileSync(
    join(dir, "logs"),
    `${new Date().toISOString()}: restart ${loc}: ${removed.length} dependent node folders moved to ${ARCHIVE_DIR}/${stamp}\n`,
  );
  return { loc, removed, reopened, ...(removed.length ? { archive } : {}) };
}

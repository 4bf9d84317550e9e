/**
 * Run options, checked before anything is written: the one place that says what a workflow id, a
 * time limit, a concurrency or an executor choice may be, for the API (`run`, `resume`) and the
 * command line alike. Names (workers, tasks) are checked against the graph being run, and a wrong
 * one is answered with the closest known name. Also what a run directory keeps of its options
 * (`_options.json`), so that `resume` runs the rest as the start did.
 */
import type { RunOptions } from "./run-types.js";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Executor, ExecutorChoice, ResumableExecutor } from "./executor.js";
import { graphFromTree, type GraphData, type ValueRef } from "./graph-data.js";
import { editDistance } from "../contract/closest.js";
import { RunError } from "./errors.js";
import { LAYOUTS, OPTIONS_FILE, type LayoutKind } from "./run-layout.js";

/** Options were rejected; nothing was written. The message has one line per problem. */
export class RunOptionsError extends RunError {
  override name = "RunOptionsError";
  constructor(readonly problems: readonly string[]) {
    super(`run options rejected, nothing ran:\n  ${problems.join("\n  ")}`);
  }
}

/** The options this module checks (the controller's `RunOptions` has these and more). */
export type CheckedOptions = Pick<
  RunOptions,
  | "root"
  | "workflowId"
  | "name"
  | "workers"
  | "executors"
  | "executor"
  | "concurrency"
  | "timeout"
  | "timeouts"
  | "resume"
  | "maxLoopIterations"
  | "layout"
  | "onEvent"
  | "progress"
  | "signal"
>;

export const EXECUTOR_KINDS = ["auto", "shell", "stdio", "node", "python"] as const;

/** Node's timers fire at once beyond 2^31-1 ms (about 24.8 days): a longer limit would stop every task. */
export const MAX_TIMEOUT_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

const show = (v: unknown): string =>
  typeof v === "string"
    ? JSON.stringify(v)
    : typeof v === "number" || typeof v === "bigint"
      ? String(v)
      : v === null
        ? "null"
        : typeof v;

/** Why `v` is not a time limit in seconds, or undefined. */
export function secondsProblem(v: unknown): string | undefined {
  if (typeof v === "number" && Number.isFinite(v) && v >= 0.001 && v <= MAX_TIMEOUT_SECONDS) return undefined;
  return `${show(v)} is not a time limit (expected seconds from 0.001 to ${MAX_TIMEOUT_SECONDS})`;
}

function countProblem(v: unknown, what: string): string | undefined {
  if (typeof v === "number" && Number.isSafeInteger(v) && v >= 1) return undefined;
  return `${show(v)} is not ${what} (expected a whole number >= 1)`;
}

/** Why `id` cannot be a run's folder name under the checkpoints root, or undefined. */
export function workflowIdProblem(id: unknown): string | undefined {
  if (typeof id !== "string") return `workflow id: ${show(id)} is not a string`;
  if (id === "" || id === "." || id === ".." || /[/\\\0]/.test(id) || Buffer.byteLength(id) > 255) {
    return `workflow id ${JSON.stringify(id)}: must be one folder name under the checkpoints root (not empty, not '.' or '..', no '/', '\\' or NUL, at most 255 bytes)`;
  }
  return undefined;
}

export function closest(name: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = editDistance(name, k);
    if (d < bestD || (d === bestD && best !== undefined && k < best)) [best, bestD] = [k, d];
  }
  return best;
}

const closestText = (name: string, known: Iterable<string>) => {
  const c = closest(name, known);
  return c === undefined ? " (the graph calls no worker)" : ` (closest: '${c}')`;
};

/**
 * Every `<worker>.<task>` the graph can call, nested graphs (eval, loop and map bodies) included;
 * undefined when a body is a value only known at run time, so names cannot be checked.
 */
export function taskNamesOf(data: GraphData): Set<string> | undefined {
  const names = new Set<string>();
  const seen = new Set<unknown>();
  const walk = (g: GraphData): boolean => {
    const body = (ref: ValueRef): boolean => {
      const n = ref[0] >= 0 ? g.nodes[ref[0]] : undefined;
      if (n?.type !== "const") return false;
      if (seen.has(n)) return true;
      seen.add(n);
      let inner: GraphData;
      try {
        inner = graphFromTree(n.value);
      } catch {
        return false;
      }
      return walk(inner);
    };
    for (const n of g.nodes) {
      if (n.type === "function") names.add(n.function_name);
      else if (n.type === "eval" && !body(n.graph)) return false;
      else if ((n.type === "loop" || n.type === "map") && !body(n.body)) return false;
    }
    return true;
  };
  return walk(data) ? names : undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isExecutor = (v: unknown) => isObject(v) && typeof v.run === "function";
const isWorkerImpl = (v: unknown) => isObject(v) && typeof v.runTask === "function";

/**
 * All problems with `options`, checked against the tasks the graph calls (`tasks` undefined: names
 * are not checked). Throws `RunOptionsError` naming each value, so nothing is written.
 */
export function checkRunOptions(options: CheckedOptions, tasks: ReadonlySet<string> | undefined): void {
  const p: string[] = [];
  if (!isObject(options)) throw new RunOptionsError([`options: ${show(options)} is not an object of named options`]);
  const o = options;
  const workers =
    tasks && new Set([...tasks].map((t) => t.slice(0, t.lastIndexOf("."))).filter((w) => w !== "builtins"));

  if (o.root !== undefined && (typeof o.root !== "string" || o.root === "" || o.root.includes("\0"))) {
    p.push(`root: ${show(o.root)} is not a folder path`);
  }
  if (o.workflowId !== undefined) {
    const why = workflowIdProblem(o.workflowId);
    if (why) p.push(why);
  }
  if (o.name !== undefined && typeof o.name !== "string") p.push(`name: ${show(o.name)} is not a string`);
  if (o.workers !== undefined) {
    const list = typeof o.workers === "string" ? [o.workers] : Array.isArray(o.workers) ? o.workers : undefined;
    if (!list) p.push(`workers: ${show(o.workers)} is not a folder or a list of folders`);
    else
      for (const w of list as unknown[])
        if (typeof w !== "string" || w === "") p.push(`workers: ${show(w)} is not a folder path`);
  }
  if (o.concurrency !== undefined) {
    const why = countProblem(o.concurrency, "a concurrency");
    if (why) p.push(`concurrency: ${why}`);
  }
  if (o.maxLoopIterations !== undefined) {
    const why = countProblem(o.maxLoopIterations, "a number of loop iterations");
    if (why) p.push(`maxLoopIterations: ${why}`);
  }
  if (o.layout !== undefined && !(LAYOUTS as readonly unknown[]).includes(o.layout)) {
    const hint = typeof o.layout === "string" ? ` (closest: '${closest(o.layout, LAYOUTS)}')` : "";
    p.push(`layout: ${show(o.layout)} is not a run layout: expected ${LAYOUTS.join(" or ")}${hint}`);
  }
  if (o.timeout !== undefined) {
    const why = secondsProblem(o.timeout);
    if (why) p.push(`timeout: ${why}`);
  }
  if (o.timeouts !== undefined) {
    if (!isObject(o.timeouts)) p.push(`timeouts: ${show(o.timeouts)} is not an object of <worker>[.<task>]: seconds`);
    else {
      for (const [key, s] of Object.entries(o.timeouts)) {
        const why = secondsProblem(s);
        if (why) p.push(`timeout for '${key}': ${why}`);
        if (tasks && workers && !workers.has(key) && !tasks.has(key)) {
          p.push(
            `timeout for '${key}': the graph has no task or worker '${key}'${closestText(key, [...workers, ...tasks])}`,
          );
        }
      }
    }
  }
  if (o.executor !== undefined && !isExecutor(o.executor)) {
    p.push(`executor: ${show(o.executor)} is not an Executor (an object with a run method)`);
  }
  if (o.executors !== undefined) {
    if (!isObject(o.executors)) p.push(`executors: ${show(o.executors)} is not an object of <worker>: executor`);
    else {
      for (const [key, c] of Object.entries(o.executors)) {
        const ok = (EXECUTOR_KINDS as readonly unknown[]).includes(c) || isExecutor(c) || isWorkerImpl(c);
        if (!ok) {
          const hint = typeof c === "string" ? ` (closest: '${closest(c, EXECUTOR_KINDS)}')` : "";
          p.push(
            `executor for '${key}': ${show(c)} is not an executor: expected ${EXECUTOR_KINDS.join(", ")}, an Executor or a worker from defineWorker${hint}`,
          );
        }
        if (key !== "default" && workers && !workers.has(key)) {
          p.push(`executor for '${key}': the graph has no worker '${key}'${closestText(key, workers)}`);
        }
      }
    }
  }
  for (const [key, type] of [
    ["resume", "boolean"],
    ["progress", "boolean"],
    ["onEvent", "function"],
  ] as const) {
    if (o[key] !== undefined && typeof o[key] !== type) p.push(`${key}: ${show(o[key])} is not a ${type}`);
  }
  if (o.signal !== undefined && !(isObject(o.signal) && typeof o.signal.addEventListener === "function")) {
    p.push(`signal: ${show(o.signal)} is not an AbortSignal`);
  }
  if (p.length) throw new RunOptionsError(p);
}

// ---------------------------------------------------------------------------------------------
// What a run directory keeps of its options

/** An executor given as an object: recreated from this on resume, or (absent) given again. */
type StoredExecutor = (typeof EXECUTOR_KINDS)[number] | ResumableExecutor | "object";

interface StoredOptions {
  readonly version: 1;
  /** Absolute worker folders. */
  readonly workers?: readonly string[];
  readonly executors?: Readonly<Record<string, StoredExecutor>>;
  readonly executor?: StoredExecutor;
  readonly concurrency?: number;
  readonly timeout?: number;
  readonly timeouts?: Readonly<Record<string, number>>;
  readonly maxLoopIterations?: number;
  readonly layout?: LayoutKind;
}

function storedExecutor(c: ExecutorChoice): StoredExecutor {
  if (typeof c === "string") return c;
  return (c as Executor).resumeAs ?? "object";
}

/** The JSON text of what `resume` needs of `options` (folders made absolute). */
export function storedOptionsText(o: CheckedOptions): string {
  const workers =
    o.workers === undefined
      ? undefined
      : (typeof o.workers === "string" ? [o.workers] : [...o.workers]).map((d) => resolve(d));
  const stored: StoredOptions = {
    version: 1,
    ...(workers ? { workers } : {}),
    ...(o.executors
      ? { executors: Object.fromEntries(Object.entries(o.executors).map(([k, c]) => [k, storedExecutor(c)])) }
      : {}),
    ...(o.executor ? { executor: storedExecutor(o.executor) } : {}),
    ...(o.concurrency !== undefined ? { concurrency: o.concurrency } : {}),
    ...(o.timeout !== undefined ? { timeout: o.timeout } : {}),
    ...(o.timeouts ? { timeouts: o.timeouts } : {}),
    ...(o.maxLoopIterations !== undefined ? { maxLoopIterations: o.maxLoopIterations } : {}),
    ...(o.layout !== undefined ? { layout: o.layout } : {}),
  };
  return JSON.stringify(stored, null, 2) + "\n";
}

/** What the run directory kept of its options, if anything. */
export async function storedOptionsOf(dir: string): Promise<StoredOptions | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, OPTIONS_FILE), "utf8");
  } catch {
    // A run started before options were kept, or by upstream: only what is given now applies.
    return undefined;
  }
  try {
    return JSON.parse(text) as StoredOptions;
  } catch (e) {
    throw new RunError(
      `${join(dir, OPTIONS_FILE)} is not JSON (${(e as Error).message}); move it away to resume with the options given now`,
    );
  }
}

/**
 * The options to resume a run directory with: those kept when it started, each replaced by the one
 * given now (`executors` and `timeouts` entry by entry). An executor kept as JSON is made again by
 * `recreateExecutor` (the executors layer's, given by `resume`).
 */
export async function resumeOptions<O extends CheckedOptions>(
  dir: string,
  given: O,
  recreateExecutor: (stored: ResumableExecutor) => Promise<Executor>,
): Promise<O> {
  const recreate = async (s: StoredExecutor, who: string, overridden: string): Promise<ExecutorChoice> => {
    if (typeof s !== "string") return recreateExecutor(s);
    if (s !== "object") return s;
    throw new RunError(
      `${who} was an object when the run started and cannot be recreated from the run directory: give it again (${overridden})`,
    );
  };
  const s = await storedOptionsOf(dir);
  if (!s) return given;
  const out: Record<string, unknown> = { ...(given as object) };
  if (given.workers === undefined && s.workers) out.workers = s.workers;
  for (const k of ["concurrency", "timeout", "maxLoopIterations"] as const)
    if (given[k] === undefined && s[k] !== undefined) out[k] = s[k];
  // A run keeps the layout it started with: another one would leave a directory neither reads.
  const kept = s.layout ?? "default";
  if (given.layout !== undefined && given.layout !== kept) {
    throw new RunError(`${dir} was started with the ${kept} layout; it resumes with that one (not ${given.layout})`);
  }
  out.layout = kept;
  if (s.timeouts) out.timeouts = { ...s.timeouts, ...given.timeouts };
  if (given.executor === undefined && s.executor !== undefined && given.executors === undefined) {
    out.executor = await recreate(s.executor, "the run's executor", "option executor, or executors");
  }
  if (s.executors) {
    const executors: Record<string, ExecutorChoice> = {};
    for (const [w, c] of Object.entries(s.executors)) {
      if (given.executors?.[w] === undefined)
        executors[w] = await recreate(c, `the executor for '${w}'`, `executors: { ${w}: ... } or -e ${w}=<kind>`);
    }
    out.executors = { ...executors, ...given.executors };
  }
  return out as O;
}

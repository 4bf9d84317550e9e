/**
 * The state of a run directory after (or during) a run, from the files alone: which tasks are
 * done, failed, stopped or started without finishing, whether a controller still runs it, and
 * the results. Works on run directories written by upstream Tierkreis too (no `_signature`).
 */
import { readdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { decodeUntyped, decodeValue } from "../contract/codec.js";
import type { ValueType } from "../contract/value-type.js";
import { RunError } from "./errors.js";
import { parseGraphData } from "./graph-data.js";
import { exists, tail } from "./file-ops.js";
import { BODY_PORT, GRAPH_INPUTS, KIND_FILE, readSignature, requireRunDir } from "./run-layout.js";
import { readRunLock, type RunLockInfo } from "./run-lock.js";

export interface TaskState {
  readonly loc: string;
  /** `<worker>.<task>` from the node definition. */
  readonly task: string;
  /**
   * `failed`: the task failed (its `_error` wins over a `_done` beside it); `stopped`: the run
   * failed elsewhere and the controller stopped this one; `started`: begun, not finished.
   */
  readonly state: "done" | "failed" | "stopped" | "started";
  /** The kind of executor that ran it, when the run's worker pool recorded it. */
  readonly kind?: string;
  readonly error?: string;
  readonly stderrTail?: string;
}

export interface RunStatus {
  readonly runDir: string;
  readonly name?: string;
  readonly startTime?: string;
  readonly state: "finished" | "failed" | "unfinished";
  /** For an unfinished run: a live controller runs it (`running`), or none does (`interrupted`: resume it). */
  readonly activity?: "running" | "interrupted";
  /** The controller named by the run's lock, if any. */
  readonly controller?: RunLockInfo;
  readonly tasks: {
    readonly done: number;
    readonly failed: number;
    readonly stopped: number;
    readonly started: number;
  };
  /** Tasks per kind of executor, for the tasks whose kind was recorded. */
  readonly kinds: Readonly<Record<string, number>>;
  /** Failed, stopped and unfinished tasks (done ones are only counted). */
  readonly attention: readonly TaskState[];
}

/** The task whose failure ended the run, from `-/errors` (`<loc>\n<task>: <reason>`), if the controller recorded one. */
async function failedLoc(dir: string): Promise<string | undefined> {
  const text = await readFile(join(dir, "-", "errors"), "utf8").catch(() => undefined);
  const first = text?.split("\n", 1)[0];
  return first && /^-(\.[NLM]-?\d+)+$/.test(first) ? first : undefined;
}

export async function runStatus(runDir: string): Promise<RunStatus> {
  const dir = resolve(runDir);
  await requireRunDir(dir);
  const entries = await readdir(dir);
  let meta: { name?: string; start_time?: string } = {};
  try {
    meta = JSON.parse(await readFile(join(dir, "_metadata"), "utf8"));
  } catch {
    // Not fatal: the rest can still be told.
  }
  const [rootDone, rootError, culprit, ours] = await Promise.all([
    exists(join(dir, "-", "_done")),
    exists(join(dir, "-", "_error")),
    failedLoc(dir),
    exists(join(dir, "_signature")),
  ]);
  // Our controller records the task that failed the run; any other task it ended was stopped.
  // Without that record (upstream), every task with `_error` failed.
  const runFailedHere = rootError && ours;
  const counts = { done: 0, failed: 0, stopped: 0, started: 0 };
  const attention: TaskState[] = [];
  const kinds: Record<string, number> = {};
  await Promise.all(
    entries
      .filter((e) => e.startsWith("-."))
      .map(async (loc) => {
        const nodeDir = join(dir, loc);
        let def: { type?: string; function_name?: string };
        try {
          def = JSON.parse(await readFile(join(nodeDir, "nodedef"), "utf8"));
        } catch {
          return;
        }
        if (def.type !== "function") return;
        const task = def.function_name ?? "?";
        const [error, kind] = await Promise.all([
          readFile(join(nodeDir, "_error"), "utf8").catch(() => undefined),
          readFile(join(nodeDir, KIND_FILE), "utf8").then(
            (k) => k.trim(),
            () => undefined,
          ),
        ]);
        if (kind) kinds[kind] = (kinds[kind] ?? 0) + 1;
        if (error === undefined && (await exists(join(nodeDir, "_done")))) {
          counts.done++;
          return;
        }
        const state: TaskState["state"] =
          runFailedHere && loc !== culprit ? "stopped" : error !== undefined ? "failed" : "started";
        counts[state]++;
        const stderrTail = await tail(join(nodeDir, "errors"));
        attention.push({
          loc,
          task,
          state,
          ...(kind ? { kind } : {}),
          ...(error?.trim() ? { error: error.trim() } : {}),
          ...(stderrTail ? { stderrTail } : {}),
        });
      }),
  );
  attention.sort((a, b) => a.loc.localeCompare(b.loc, "en", { numeric: true }));
  const holder = rootDone || rootError ? undefined : await readRunLock(dir);
  // A task's `_error` fails the run, unless the run goes on: a live controller runs it again, or
  // (ours) the failure was not recorded at the root, so a resume reruns the task. A finished run
  // beside a task's `_error` failed all the same.
  const taskFailed = counts.failed > 0 && !holder?.live && (!ours || rootDone);
  const state = rootError || taskFailed ? "failed" : rootDone ? "finished" : "unfinished";
  const controller = state === "unfinished" ? holder : undefined;
  return {
    runDir: dir,
    ...(meta.name !== undefined ? { name: meta.name } : {}),
    ...(meta.start_time !== undefined ? { startTime: meta.start_time } : {}),
    state,
    ...(state === "unfinished" ? { activity: controller?.live ? "running" : "interrupted" } : {}),
    ...(controller ? { controller } : {}),
    tasks: counts,
    kinds,
    attention,
  };
}

const MARK: Record<TaskState["state"], string> = {
  failed: "✗ failed ",
  stopped: "■ stopped",
  started: "… running/interrupted",
  done: "✓ done",
};

function stateLine(s: RunStatus): string {
  if (s.state !== "unfinished") return `state: ${s.state}`;
  const c = s.controller;
  const who = c ? `controller pid ${c.pid} on ${c.host}${c.startedAt ? ` since ${c.startedAt}` : ""}` : undefined;
  if (s.activity === "running") return `state: unfinished, running (${who})`;
  return `state: unfinished, interrupted (${who ? `${who} is gone` : "no controller holds it"}); continue it with: typespec-workers resume ${s.runDir}`;
}

export function formatStatus(s: RunStatus): string {
  const t = s.tasks;
  const lines = [
    `run ${s.runDir}${s.name ? ` (${s.name})` : ""}${s.startTime ? `, started ${s.startTime}` : ""}`,
    stateLine(s),
    `tasks: ${t.done} done, ${t.failed} failed, ${t.stopped ? `${t.stopped} stopped, ` : ""}${t.started} started and not finished`,
  ];
  const kinds = Object.entries(s.kinds).sort(([a], [b]) => a.localeCompare(b));
  if (kinds.length) lines.push(`ran by: ${kinds.map(([k, n]) => `${n} ${k}`).join(", ")}`);
  for (const a of s.attention) {
    lines.push(`  ${MARK[a.state]} ${a.task} ${a.loc}${a.kind ? ` [${a.kind}]` : ""}${a.error ? `: ${a.error}` : ""}`);
    if (a.stderrTail) lines.push(...a.stderrTail.split("\n").map((l) => `      | ${l}`));
  }
  return lines.join("\n");
}

// ---------------------------------------------------------------------------------------------
// Results

export interface ResultPort {
  readonly name: string;
  /** The declared type, or undefined for a run without one (upstream). */
  readonly type?: ValueType;
  readonly value: unknown;
  /** The port file as written. */
  readonly file: string;
}

export interface RunResults {
  /** `value`: the graph has one output, shown as that value; `ports`: an object of named values. */
  readonly shape: "value" | "ports";
  readonly ports: readonly ResultPort[];
}

/** Untyped; an empty union is how `_signature` files written before the `any` value type say it. */
const isAny = (t: ValueType) => t.kind === "any" || (t.kind === "union" && t.of.length === 0);

/**
 * The graph's outputs from a run directory alone, decoded by the stored types, port by port. A
 * run that failed or has not finished is refused, naming the failed tasks or the missing outputs.
 */
export async function readResultPorts(runDir: string): Promise<RunResults> {
  const dir = resolve(runDir);
  const status = await runStatus(dir);
  const sig = await readSignature(dir);
  let names = Object.keys(sig.signature.outputs);
  if (names.length === 0) {
    // No declared types (upstream): the ports are the inputs of the graph's output node.
    const data = parseGraphData(await readFile(join(dir, `.${GRAPH_INPUTS}`, "outputs", BODY_PORT), "utf8"));
    const out = data.graph_output_idx === null ? undefined : data.nodes[data.graph_output_idx];
    names = Object.keys(out?.inputs ?? {});
  }
  const outDir = join(dir, "-", "outputs");
  if (status.state === "failed") {
    const failed = status.attention.filter((a) => a.state === "failed");
    const rootError = (await readFile(join(dir, "-", "_error"), "utf8").catch(() => "")).trim();
    const why = failed.length
      ? failed.map((a) => `task ${a.task} at ${a.loc} failed${a.error ? `: ${a.error}` : ""}`)
      : [rootError || "the run failed"];
    throw new RunError(`${dir}: no results, the run failed:\n  ${why.join("\n  ")}`);
  }
  const missing = (await Promise.all(names.map(async (n) => ((await exists(join(outDir, n))) ? undefined : n)))).filter(
    (n) => n !== undefined,
  );
  if (status.state !== "finished" || missing.length) {
    const how = status.state === "finished" ? "it is marked finished" : `the run has not finished (${status.activity})`;
    const what = missing.length ? `no output ${missing.map((m) => `'${m}'`).join(", ")}` : "its outputs are not final";
    throw new RunError(
      `${dir}: no results, ${how}: ${what}; ${status.tasks.done} tasks done, ${status.tasks.started} not finished` +
        (status.activity === "interrupted" ? ` (typespec-workers resume ${dir})` : ""),
    );
  }
  const ports = await Promise.all(
    names.map(async (name) => {
      const file = join(outDir, name);
      const bytes = await readFile(file);
      const type = sig.signature.outputs[name];
      try {
        return {
          name,
          ...(type && !isAny(type) ? { type } : {}),
          value: type && !isAny(type) ? decodeValue(bytes, type) : decodeUntyped(bytes),
          file,
        };
      } catch (e) {
        throw new RunError(`${dir}: output '${name}' does not decode: ${(e as Error).message}`);
      }
    }),
  );
  return { shape: sig.signature.shape, ports };
}

/** The graph's results from a finished run directory alone, decoded by the stored types. */
export async function readResults(runDir: string): Promise<unknown> {
  const r = await readResultPorts(runDir);
  if (r.shape === "value") return r.ports.find((p) => p.name === "value")?.value;
  return Object.fromEntries(r.ports.map((p) => [p.name, p.value]));
}

/**
 * The state of a run directory after (or during) a run, from the files alone: which tasks are
 * done, failed or started without finishing, and the results.
 */
import { readdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { readOutputs, readSignature } from "./controller.js";
import { exists, requireRunDir, tail } from "./run-files.js";

export interface TaskState {
  readonly loc: string;
  /** `<worker>.<task>` from the node definition. */
  readonly task: string;
  readonly state: "done" | "failed" | "started";
  readonly error?: string;
  readonly stderrTail?: string;
}

export interface RunStatus {
  readonly runDir: string;
  readonly name?: string;
  readonly startTime?: string;
  readonly state: "finished" | "failed" | "unfinished";
  readonly tasks: { readonly done: number; readonly failed: number; readonly started: number };
  /** Failed and unfinished tasks (done ones are only counted). */
  readonly attention: readonly TaskState[];
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
  const counts = { done: 0, failed: 0, started: 0 };
  const attention: TaskState[] = [];
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
        if (await exists(join(nodeDir, "_done"))) {
          counts.done++;
          return;
        }
        const error = await readFile(join(nodeDir, "_error"), "utf8").catch(() => undefined);
        const stderrTail = await tail(join(nodeDir, "errors"));
        if (error !== undefined) counts.failed++;
        else counts.started++;
        attention.push({
          loc,
          task,
          state: error !== undefined ? "failed" : "started",
          ...(error ? { error: error.trim() } : {}),
          ...(stderrTail ? { stderrTail } : {}),
        });
      }),
  );
  attention.sort((a, b) => a.loc.localeCompare(b.loc, "en", { numeric: true }));
  const state = (await exists(join(dir, "-", "_done"))) ? "finished" : (await exists(join(dir, "-", "_error"))) ? "failed" : "unfinished";
  return {
    runDir: dir,
    ...(meta.name !== undefined ? { name: meta.name } : {}),
    ...(meta.start_time !== undefined ? { startTime: meta.start_time } : {}),
    state,
    tasks: counts,
    attention,
  };
}

export function formatStatus(s: RunStatus): string {
  const lines = [
    `run ${s.runDir}${s.name ? ` (${s.name})` : ""}${s.startTime ? `, started ${s.startTime}` : ""}`,
    `state: ${s.state}`,
    `tasks: ${s.tasks.done} done, ${s.tasks.failed} failed, ${s.tasks.started} started and not finished`,
  ];
  for (const t of s.attention) {
    lines.push(`  ${t.state === "failed" ? "✗ failed " : "… running/interrupted"} ${t.task} ${t.loc}${t.error ? `: ${t.error}` : ""}`);
    if (t.stderrTail) lines.push(...t.stderrTail.split("\n").map((l) => `      | ${l}`));
  }
  return lines.join("\n");
}

/** The graph's results from a finished run directory alone, decoded by the stored types. */
export async function readResults(runDir: string): Promise<unknown> {
  const dir = resolve(runDir);
  await requireRunDir(dir);
  const sig = await readSignature(dir);
  return readOutputs(dir, sig.signature);
}

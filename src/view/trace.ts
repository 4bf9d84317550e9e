/**
 * The trace of a run: one row per task (as Nextflow's `-with-trace`), from the run directory.
 * Columns: location, task, kind (executor), start, end (ISO 8601), duration (seconds), exit
 * status, reason (why it failed, or why it has no end).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { compareLocs } from "./locations.js";
import { executorOf, type RunModel } from "./run-model.js";

export interface TraceRow {
  readonly loc: string;
  readonly task: string;
  readonly kind: string;
  readonly state: string;
  readonly start?: number;
  readonly end?: number;
  readonly exit?: string;
  readonly reason?: string;
}

export const TRACE_COLUMNS = ["location", "task", "kind", "start", "end", "duration", "exit", "reason"] as const;

function exitOf(dir: string, row: { loc: string; state: string; reason?: string }): string | undefined {
  try {
    return readFileSync(join(dir, row.loc, "_exit"), "utf8").trim();
  } catch {
    if (row.state === "done") return "0";
    return (
      /exited with status (\d+)/.exec(row.reason ?? "")?.[1] ?? /killed by signal (\w+)/.exec(row.reason ?? "")?.[1]
    );
  }
}

export function traceRows(model: RunModel): TraceRow[] {
  const rows: TraceRow[] = [];
  for (const n of model.nodes.values()) {
    if (n.kind !== "function" || !n.started) continue;
    const reason = n.reason ?? (n.state === "stopped" ? "stopped: the run ended before the task did" : undefined);
    const exit = exitOf(model.dir, {
      loc: n.loc,
      state: n.state,
      ...(n.reason ? { reason: n.reason } : {}),
    });
    rows.push({
      loc: n.loc,
      task: n.label,
      kind: executorOf(model.dir, n) ?? "?",
      state: n.state,
      ...(n.start !== undefined ? { start: n.start } : {}),
      ...(n.end !== undefined ? { end: n.end } : {}),
      ...(exit !== undefined ? { exit } : {}),
      ...(reason ? { reason } : {}),
    });
  }
  return rows.sort((a, b) => (a.start ?? Infinity) - (b.start ?? Infinity) || compareLocs(a.loc, b.loc));
}

/** A field of a TSV line: tabs and line breaks would break the row, so they become spaces. */
const field = (s: string) => s.replace(/[\t\r\n]+/g, " ");
const iso = (t: number | undefined) => (t === undefined ? "" : new Date(t).toISOString());

export function traceTsv(rows: readonly TraceRow[]): string {
  const lines = [TRACE_COLUMNS.join("\t")];
  for (const r of rows) {
    const duration = r.start !== undefined && r.end !== undefined ? ((r.end - r.start) / 1000).toFixed(3) : "";
    lines.push(
      [r.loc, r.task, r.kind, iso(r.start), iso(r.end), duration, r.exit ?? "", field(r.reason ?? "")]
        .map(field)
        .join("\t"),
    );
  }
  return lines.join("\n") + "\n";
}

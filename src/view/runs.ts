/**
 * The runs a viewer was given: run directories, or checkpoints roots whose run directories are
 * listed. A run is named to the page by an id the server made; the page never sends a path.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";

export interface RunEntry {
  readonly id: string;
  readonly dir: string;
  readonly name: string;
  /** `_metadata` start time as written. */
  readonly startTime?: string;
  readonly state: "finished" | "failed" | "unfinished";
}

export const isRunDir = (dir: string) => existsSync(join(dir, ".N-1", "outputs", "body"));

/** Every run under the targets, newest first; ids are folder names, made unique. */
export function listRuns(targets: readonly string[]): RunEntry[] {
  const dirs: string[] = [];
  for (const t of targets.map((x) => resolve(x))) {
    if (isRunDir(t)) dirs.push(t);
    else {
      let entries: string[];
      try {
        entries = readdirSync(t);
      } catch {
        continue;
      }
      for (const e of entries) if (!e.startsWith(".") && isRunDir(join(t, e))) dirs.push(join(t, e));
    }
  }
  const seen = new Map<string, number>();
  const runs = dirs.map((dir): RunEntry & { mtime: number } => {
    let id = basename(dir);
    const k = (seen.get(id) ?? 0) + 1;
    seen.set(id, k);
    if (k > 1) id = `${id}~${k}`;
    let meta: { name?: unknown; start_time?: unknown } = {};
    try {
      meta = JSON.parse(readFileSync(join(dir, "_metadata"), "utf8"));
    } catch {
      // Shown without a name.
    }
    const state = existsSync(join(dir, "-", "_done"))
      ? "finished"
      : existsSync(join(dir, "-", "_error"))
        ? "failed"
        : "unfinished";
    return {
      id,
      dir,
      name: typeof meta.name === "string" ? meta.name : basename(dir),
      ...(typeof meta.start_time === "string" ? { startTime: meta.start_time } : {}),
      state,
      mtime: statSync(join(dir, ".N-1", "outputs", "body")).mtimeMs,
    };
  });
  return runs.sort((a, b) => b.mtime - a.mtime).map(({ mtime: _m, ...r }) => r);
}

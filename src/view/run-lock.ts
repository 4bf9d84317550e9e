/**
 * The run-directory lock a controller holds while it runs (`<run>/_lock`, JSON
 * `{pid, host, startedAt}`). The viewer only reads it: a run whose lock names a live process on
 * this host is held; a lock from another host is taken as held (its process cannot be checked).
 */
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";

export const LOCK_FILE = "_lock";

export interface RunLock {
  readonly pid: number;
  readonly host: string;
  readonly startedAt?: string;
  /** The controller still runs (or runs elsewhere and cannot be checked). */
  readonly live: boolean;
}

/** The lock of a run directory, or undefined when none is written. */
export function readRunLock(runDir: string): RunLock | undefined {
  let j: { pid?: unknown; host?: unknown; startedAt?: unknown };
  try {
    j = JSON.parse(readFileSync(join(runDir, LOCK_FILE), "utf8"));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    // Unreadable or half written: a controller is probably writing it right now.
    return { pid: 0, host: "?", live: true };
  }
  const pid = typeof j.pid === "number" ? j.pid : 0;
  const host = typeof j.host === "string" ? j.host : "?";
  const live = host !== hostname() || pidAlive(pid);
  return {
    pid,
    host,
    ...(typeof j.startedAt === "string" ? { startedAt: j.startedAt } : {}),
    live,
  };
}

function pidAlive(pid: number): boolean {
  if (!(pid > 0)) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Who holds a run directory: the controller that runs it, from its lock file `<run>/_lock`
 * (JSON `{pid, host, startedAt}`, written by the controller while it runs), and whether that
 * controller is still alive. Kept to one function so that the lock's own reader can take its place.
 */
import { readFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";

export interface RunHolder {
  readonly pid: number;
  readonly host: string;
  readonly startedAt?: string;
  /** The process is alive on this host; a holder on another host is taken as alive (it cannot be checked from here). */
  readonly live: boolean;
}

export const LOCK_FILE = "_lock";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists, under another user.
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The holder named by the lock file, or undefined when there is none (or it cannot be read). */
export async function runHolder(runDir: string): Promise<RunHolder | undefined> {
  let j: { pid?: unknown; host?: unknown; startedAt?: unknown };
  try {
    j = JSON.parse(await readFile(join(runDir, LOCK_FILE), "utf8"));
  } catch {
    return undefined;
  }
  if (typeof j !== "object" || j === null || typeof j.pid !== "number" || !Number.isInteger(j.pid) || j.pid <= 0)
    return undefined;
  const host = typeof j.host === "string" ? j.host : hostname();
  return {
    pid: j.pid,
    host,
    ...(typeof j.startedAt === "string" ? { startedAt: j.startedAt } : {}),
    live: host !== hostname() || alive(j.pid),
  };
}

/**
 * One live controller per run directory. Node has no `flock`, so the lock is a file, `_lock`,
 * created whole or not at all (its text is written to a temporary file first, then hard-linked to
 * the lock's name: `link` fails if the name exists, like O_EXCL, but never shows a half-written
 * file). It names its holder: pid, host, boot id and the process's start time (from /proc), so a
 * lock left by a killed controller is recognised as stale (that pid is gone, or is now another
 * process, or the machine rebooted) and taken over instead of blocking the run forever.
 *
 * Two controllers may see the same stale lock at once. Only one may remove it: each first creates
 * `_lock.takeover-<nonce of the stale lock>` with O_EXCL; the winner checks the lock still holds
 * that nonce, removes it, removes the guard, then races for the lock by `link` like anyone else.
 * (A slow loser that creates the guard later finds another nonce in the lock and leaves it.) A
 * guard left by a controller killed in those few instructions is removed once its owner is gone.
 * A lock held from another host cannot be checked from here and counts as live.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { link, readFile, rm, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { RunError } from "./errors.js";

export const LOCK_FILE = "_lock";

interface LockText {
  readonly pid: number;
  readonly host: string;
  /** ISO time the lock was taken. */
  readonly startedAt: string;
  /** Linux boot id, when known: a lock from before a reboot is stale. */
  readonly bootId?: string;
  /** The holder's start time in clock ticks since boot (/proc/<pid>/stat), to tell pid reuse. */
  readonly procStart?: string;
  /** Tells this acquisition from any other. */
  readonly nonce: string;
}

export interface RunLockInfo {
  readonly pid: number;
  readonly host: string;
  readonly startedAt: string;
  /** The holder is running (or runs on another host, which cannot be checked from here). */
  readonly live: boolean;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

const bootId = readText("/proc/sys/kernel/random/boot_id")?.trim();

/** Field 22 of /proc/<pid>/stat (after the command name, which may hold spaces and parentheses). */
function processStart(pid: number): string | undefined {
  const stat = readText(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
}

/** Whether a process of this id exists on this machine (ours or another user's). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

function isLive(l: LockText): boolean {
  if (l.host !== hostname()) return true;
  if (l.bootId && bootId && l.bootId !== bootId) return false;
  if (!Number.isInteger(l.pid) || l.pid <= 0 || !pidAlive(l.pid)) return false;
  if (l.procStart !== undefined) {
    const now = processStart(l.pid);
    if (now !== undefined && now !== l.procStart) return false;
  }
  return true;
}

function parse(text: string): LockText | undefined {
  try {
    const j = JSON.parse(text) as LockText;
    // The nonce matters only to the controller that wrote it; any {pid, host} lock is a holder.
    return typeof j.pid === "number" && typeof j.host === "string" ? j : undefined;
  } catch {
    return undefined;
  }
}

async function readLock(dir: string): Promise<LockText | undefined> {
  try {
    return parse(await readFile(join(dir, LOCK_FILE), "utf8"));
  } catch {
    return undefined;
  }
}

/** Who holds the run directory `dir`, if anyone, and whether that controller is running. */
export async function readRunLock(dir: string): Promise<RunLockInfo | undefined> {
  const l = await readLock(dir);
  return l && { pid: l.pid, host: l.host, startedAt: l.startedAt, live: isLive(l) };
}

/** `readRunLock` for callers that read a whole run synchronously (the viewer's state reader). */
export function readRunLockSync(dir: string): RunLockInfo | undefined {
  const text = readText(join(dir, LOCK_FILE));
  const l = text === undefined ? undefined : parse(text);
  return l && { pid: l.pid, host: l.host, startedAt: l.startedAt, live: isLive(l) };
}

export function describeHolder(l: { pid: number; host: string; startedAt: string }): string {
  return `pid ${l.pid} on ${l.host}, since ${l.startedAt}`;
}

function me(nonce: string): LockText {
  const procStart = processStart(process.pid);
  return {
    pid: process.pid,
    host: hostname(),
    startedAt: new Date().toISOString(),
    ...(bootId ? { bootId } : {}),
    ...(procStart !== undefined ? { procStart } : {}),
    nonce,
  };
}

const isCode = (e: unknown, code: string) => (e as NodeJS.ErrnoException | undefined)?.code === code;

/** The held lock of this controller; `release` removes it if it is still ours. */
export interface RunLock {
  release(): Promise<void>;
}

/**
 * Take the lock of run directory `dir` (which must exist), or throw a `RunError` naming the live
 * holder. A stale lock is taken over.
 */
export async function acquireRunLock(dir: string): Promise<RunLock> {
  const path = join(dir, LOCK_FILE);
  const mine = me(randomBytes(8).toString("hex"));
  const tmp = join(dir, `.${LOCK_FILE}.tmp-${mine.nonce}`);
  try {
    await writeFile(tmp, JSON.stringify(mine) + "\n", { flag: "wx" });
  } catch (e) {
    throw new RunError(`cannot lock run directory ${dir}: cannot write ${tmp}: ${(e as Error).message}`);
  }
  try {
    // Bounded: each round either takes the lock, refuses, or removed a stale lock that someone
    // (maybe this controller) then races for.
    for (let round = 0; round < 20; round++) {
      try {
        await link(tmp, path);
        return { release: () => releaseIfMine(dir, mine.nonce) };
      } catch (e) {
        if (!isCode(e, "EEXIST"))
          throw new RunError(`cannot lock run directory ${dir}: cannot create ${path}: ${(e as Error).message}`);
      }
      const held = await readLock(dir);
      if (held === undefined) {
        // Gone meanwhile, or a lock file that is not ours to read: try again, then say so.
        if (round >= 3)
          throw new RunError(
            `cannot lock run directory ${dir}: ${path} is unreadable; remove it if no controller runs there`,
          );
        await new Promise((r) => setTimeout(r, 5));
        continue;
      }
      if (isLive(held)) {
        const self = held.pid === process.pid && held.host === mine.host ? " (this process)" : "";
        const remote = held.host !== mine.host ? `; if it no longer runs, remove ${path}` : "";
        throw new RunError(
          `run directory ${dir} is in use by another controller: ${describeHolder(held)}${self}${remote}`,
        );
      }
      await removeStale(dir, held);
    }
    throw new RunError(`cannot lock run directory ${dir}: other controllers keep taking it`);
  } finally {
    await rm(tmp, { force: true });
  }
}

/** Remove a stale lock unless another controller is doing so (see the header). */
async function removeStale(dir: string, stale: LockText): Promise<void> {
  const guard = join(dir, `${LOCK_FILE}.takeover-${stale.nonce}`);
  try {
    await writeFile(guard, JSON.stringify(me(stale.nonce)), { flag: "wx" });
  } catch (e) {
    if (!isCode(e, "EEXIST"))
      throw new RunError(`cannot lock run directory ${dir}: cannot create ${guard}: ${(e as Error).message}`);
    // Another controller is taking over; or one was killed in the middle of it, leaving the guard.
    const taker = parse(await readFile(guard, "utf8").catch(() => ""));
    if (taker && !isLive(taker)) await rm(guard, { force: true });
    else await new Promise((r) => setTimeout(r, 5));
    return;
  }
  try {
    // Only the guard's creator removes a lock with this nonce, and its dead holder cannot change it.
    if ((await readLock(dir))?.nonce === stale.nonce) await rm(join(dir, LOCK_FILE), { force: true });
  } finally {
    await rm(guard, { force: true });
  }
}

async function releaseIfMine(dir: string, nonce: string): Promise<void> {
  if ((await readLock(dir))?.nonce === nonce) await rm(join(dir, LOCK_FILE), { force: true });
}

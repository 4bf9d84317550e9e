/**
 * Processes a test started itself: a launcher spawned as the leader of a new session, and
 * whatever is left of that session. Tests never look at other processes on the machine.
 */
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { baseEnv, readResult, type RunResult, type TaskNode } from "./support.js";

/** Live (not zombie) processes of session `sid`, as `pid command` lines. */
export function sessionProcesses(sid: number): string[] {
  const found: string[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // ended meanwhile
    }
    // pid (comm) state ppid pgrp session ...: comm may hold spaces, so split after its ')'.
    const close = stat.lastIndexOf(")");
    const [state, , , session] = stat.slice(close + 2).split(" ");
    if (Number(session) === sid && state !== "Z") found.push(`${entry} ${stat.slice(stat.indexOf("(") + 1, close)}`);
  }
  return found;
}

/** Waits (bounded: 40 × 50 ms) until session `sid` is empty; returns what is left. */
export async function sessionLeftovers(sid: number): Promise<string[]> {
  let left = sessionProcesses(sid);
  for (let i = 0; i < 40 && left.length > 0; i++) {
    await sleep(50);
    left = sessionProcesses(sid);
  }
  return left;
}

export interface SessionRun extends RunResult {
  /** Processes of the launcher's session still alive after it exited (bounded wait). */
  readonly leftovers: string[];
}

/**
 * Runs `bash launcher definition` as the leader of a new session (its pid is the session id),
 * and once it exits, lists what it left running. `during` runs once the launcher started.
 */
export function runInSession(
  launcher: string,
  node: TaskNode,
  during?: (pid: number) => void | Promise<void>,
  /** The launcher's stderr: this file descriptor, else a pipe the test reads. */
  stderrFd?: number,
): Promise<SessionRun> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [launcher, node.definition], {
      env: { ...baseEnv(), TKR_DIR: node.root },
      detached: true,
      stdio: ["ignore", "ignore", stderrFd ?? "pipe"],
    });
    let stderr = "";
    child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    if (during) void Promise.resolve(during(child.pid!)).catch(reject);
    child.on("exit", (status) => {
      void sessionLeftovers(child.pid!).then((leftovers) =>
        resolve({ ...readResult(node, status, "", stderr), leftovers }),
      );
    });
  });
}

/**
 * Starting one task process, and learning how it ended. Through a process helper (`spawner.ts`)
 * when the request can travel through one, which forks far more cheaply than Node can; else with
 * `child_process.spawn`. Every way gives the same things: stdin, stdout and stderr on files by
 * descriptor (nothing flows through the controller), the process in a process group of its own
 * (its pid is the group's id), and an exit report instead of polling. By the time the exit is
 * reported, whatever the process left running in its group has been sent SIGKILL: nothing a task
 * starts outlives it, whether it succeeded or not (a program that leaves a child behind by
 * mistake, `daemon &` in a script, does not fail for it; the child is stopped).
 */
import { spawn } from "node:child_process";
import { open, type FileHandle } from "node:fs/promises";
import { sharedSpawner, Spawner, type SpawnRequest } from "./spawner.js";

export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The process could not be started (spawn only: the helpers report 127 and say why on stderr). */
  readonly error?: Error;
}

export interface StartedProcess {
  /** The process id, which is also its process group id; undefined when it never started. */
  readonly pid: Promise<number | undefined>;
  readonly exit: Promise<ProcessExit>;
}

/** How to start: a given helper, Node's own spawn, or (default) the shared helper when it can. */
export type StartWith = Spawner | "spawn" | undefined;

/** `TW_SPAWN=node` forces Node's own spawn (for comparison and as an escape hatch). */
const defaultWay: StartWith = process.env.TW_SPAWN === "node" ? "spawn" : undefined;

export function startProcess(req: SpawnRequest, how: StartWith = defaultWay): Promise<StartedProcess> {
  if (how !== "spawn" && Spawner.accepts(req)) {
    const s = (how ?? sharedSpawner).run(req);
    return Promise.resolve({
      pid: s.pid.catch(() => undefined),
      exit: s.exit.catch((error: Error) => ({ code: null, signal: null, error })),
    });
  }
  return spawnProcess(req);
}

async function spawnProcess(req: SpawnRequest): Promise<StartedProcess> {
  const handles: FileHandle[] = [];
  const fd = async (path: string, flags: string) => {
    const h = await open(path, flags);
    handles.push(h);
    return h.fd;
  };
  try {
    const stdio: [number, number, number] = [
      await fd(req.stdin, "r"),
      await fd(req.stdout, req.stdoutMode === "truncate" ? "w" : "a"),
      await fd(req.stderr, "a"),
    ];
    const child = spawn(req.file, req.args, {
      env: { ...process.env, ...req.env },
      cwd: req.cwd,
      stdio,
      detached: true,
    });
    const exit = new Promise<ProcessExit>((resolve) => {
      child.once("error", (error) => resolve({ code: null, signal: null, error }));
      child.once("exit", (code, signal) => {
        // The leader was reaped just now; its group id stays taken while any member lives.
        killGroup(child.pid);
        resolve({ code, signal });
      });
    });
    return { pid: Promise.resolve(child.pid), exit: exit.finally(() => Promise.all(handles.map((h) => h.close()))) };
  } catch (error) {
    await Promise.all(handles.map((h) => h.close()));
    return {
      pid: Promise.resolve(undefined),
      exit: Promise.resolve({ code: null, signal: null, error: error as Error }),
    };
  }
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // Nothing left in the group.
  }
}

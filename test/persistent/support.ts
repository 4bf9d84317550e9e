// The persistent-worker tests' project: the fixture spec compiled for real, the TypeScript worker
// beside its generated stubs, the Python worker beside it; and hand-made task launches for
// driving an executor directly.
import { copyFileSync, cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import type { TaskLaunch } from "../../src/graph/executor.js";
import { scratchDir, tspCompile } from "../support/project.js";
import { repoRoot } from "../support/tester.js";

export const fixtures = join(repoRoot, "test/fixtures/persistent");

/** Compile the fixture spec and place both workers; returns the project folder. */
export async function persistentProject(): Promise<string> {
  const dir = scratchDir("persistent");
  cpSync(join(fixtures, "project"), dir, { recursive: true });
  const r = await tspCompile(dir);
  expect(r.code, r.stderr + r.stdout).toBe(0);
  copyFileSync(join(fixtures, "pw_worker.ts"), join(dir, "workers/pw_worker/main.ts"));
  copyFileSync(join(fixtures, "py_worker/main.py"), join(dir, "workers/py_worker/main.py"));
  return dir;
}

let launches = 0;

/**
 * Write a task's inputs and call args under `root` as the controller would, and return the launch
 * an executor gets.
 */
export function launchFor(
  root: string,
  worker: string,
  task: string,
  inputs: Record<string, string | Uint8Array>,
  extra: Partial<Pick<TaskLaunch, "timeoutMs" | "signal">> = {},
): TaskLaunch {
  const loc = `-.N${launches++}`;
  const nodeDir = join(root, "wf", loc);
  mkdirSync(join(nodeDir, "outputs"), { recursive: true });
  const inputPaths: Record<string, string> = {};
  for (const [port, value] of Object.entries(inputs)) {
    const rel = `wf/${loc}/in-${port}`;
    writeFileSync(join(root, rel), value);
    inputPaths[port] = rel;
  }
  const callArgs = {
    function_name: task,
    inputs: inputPaths,
    outputs: { value: `wf/${loc}/outputs/value` },
    output_dir: `wf/${loc}/outputs`,
    done_path: `wf/${loc}/_done`,
    error_path: `wf/${loc}/_error`,
    logs_path: "wf/logs",
  };
  writeFileSync(join(nodeDir, "definition"), JSON.stringify(callArgs));
  return {
    worker,
    task,
    loc,
    root,
    workflowId: "wf",
    definitionPath: `wf/${loc}/definition`,
    nodeDir,
    signal: extra.signal ?? new AbortController().signal,
    ...(extra.timeoutMs !== undefined ? { timeoutMs: extra.timeoutMs } : {}),
  };
}

export function outputOf(launch: TaskLaunch): string {
  return readFileSync(join(launch.nodeDir, "outputs/value"), "utf8");
}

export { isAlive } from "../graph/support.js";

/** Every process below `pid` (its children, theirs, ...), read from /proc. */
export function descendants(pid: number): number[] {
  const out: number[] = [];
  const visit = (p: number) => {
    // A child belongs to the thread that started it: read every thread's list.
    const children: number[] = [];
    try {
      for (const tid of readdirSync(`/proc/${p}/task`)) {
        const text = readFileSync(`/proc/${p}/task/${tid}/children`, "utf8");
        children.push(...text.trim().split(/\s+/).filter(Boolean).map(Number));
      }
    } catch {
      return; // gone
    }
    for (const c of children) {
      out.push(c);
      visit(c);
    }
  };
  visit(pid);
  return out;
}

/** Wait (bounded) until `check` holds; for process deaths, which are asynchronous. */
export async function eventually(check: () => boolean, what: string, limitMs = 10_000): Promise<void> {
  const until = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`still not true after ${limitMs / 1000} s: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A process's command line, or "" when it is gone. */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
  } catch {
    return "";
  }
}

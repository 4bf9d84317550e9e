/**
 * Issue 9 #5: when a task ends, for any reason, nothing its program started survives. Each
 * launcher runs as the leader of a session of its own, and the test looks at that session only.
 */
import { closeSync, openSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { beforeAll, describe, expect, it } from "vitest";
import { runInSession, sessionProcesses } from "./processes.js";
import { buildFixture, layoutNode, type BuiltWorker } from "./support.js";

let tree: BuiltWorker;
beforeAll(async () => {
  tree = (await buildFixture("tree")).tree!;
});

/** Waits (bounded) until the session runs a `sleep`, then sends SIGTERM to the launcher only. */
async function terminateOnceRunning(pid: number): Promise<void> {
  for (let i = 0; i < 200 && !sessionProcesses(pid).some((p) => p.endsWith(" sleep")); i++) await sleep(25);
  process.kill(pid, "SIGTERM");
}

// The launcher's stderr either is a pipe (the launcher copies the program's stderr to the errors
// file with tee) or is the errors file itself (as our executors start it).
describe.each([
  ["a pipe", false],
  ["the errors file", true],
])("stderr to %s", (_, toErrors) => {
  const run = (task: string, during?: (pid: number) => Promise<void>) => {
    const node = layoutNode({ task });
    const fd = toErrors ? openSync(join(node.nodeDir, "errors"), "a") : undefined;
    return runInSession(tree.launcher, node, during, fd).finally(() => fd !== undefined && closeSync(fd));
  };

  it("a program killed by a signal: its children are killed too", async () => {
    const result = await run("killed");
    expect(result.error).toBe("killed: killed by signal 9 (SIGKILL)\n");
    expect(result.leftovers).toEqual([]);
  });

  it("a program that succeeds: a child it left behind (holding stderr) is killed, the task succeeds", async () => {
    const result = await run("leaves");
    expect(result.error).toBeUndefined();
    expect(result.done).toBe(true);
    expect(result.leftovers).toEqual([]);
  });

  it("a timeout: the program and a child that ignores SIGTERM are killed", async () => {
    const result = await run("slow");
    expect(result.error?.split("\n")[0]).toBe("slow: timed out after 1 s");
    expect(result.leftovers).toEqual([]);
  });

  it("SIGTERM to the launcher: a program and child that ignore SIGTERM are killed", async () => {
    const result = await run("stubborn", terminateOnceRunning);
    expect(result.error).toBe("stubborn: launcher received SIGTERM; the program was stopped\n");
    expect(result.leftovers).toEqual([]);
  });
});

it("the tail of stderr in _error is complete, though a child left behind held stderr open", async () => {
  const result = await runInSession(tree.launcher, layoutNode({ task: "noisy" }));
  expect(result.error).toBe("noisy: exited with status 3\n--- last lines of stderr ---\nfirst\nlast\n");
  expect(result.leftovers).toEqual([]);
});

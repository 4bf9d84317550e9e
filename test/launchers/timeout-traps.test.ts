/**
 * Issue 9 #1: a task under @timeout must not fail after its program succeeded. The watchdog is a
 * subshell of the launcher; the launcher's EXIT and signal traps must act in the launcher only,
 * never in a subshell killed around the program (it once wrote _error beside _done, or swallowed
 * the SIGTERM meant to stop it and lived on for the whole time limit).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { runInSession, type SessionRun } from "./processes.js";
import { buildFixture, layoutNode, output, type BuiltWorker } from "./support.js";

let worker: BuiltWorker;
beforeAll(async () => {
  worker = (await buildFixture("stdio")).stdio_worker!;
});

describe("a fast task under @timeout", () => {
  it("succeeds every time and leaves nothing running: 120 runs, 6 at a time", async () => {
    const nodes = Array.from({ length: 120 }, (_, i) =>
      layoutNode({ task: "timedEcho", inputs: { text: JSON.stringify(`value ${i}`) } }),
    );
    const results: SessionRun[] = [];
    for (let i = 0; i < nodes.length; i += 6) {
      results.push(...(await Promise.all(nodes.slice(i, i + 6).map((node) => runInSession(worker.launcher, node)))));
    }
    const wrong = results.flatMap((r, i) =>
      r.status === 0 && r.done && r.error === undefined && r.leftovers.length === 0
        ? []
        : [
            `run ${i}: status ${r.status}, _done ${r.done}, _error ${JSON.stringify(r.error)}, left running ${r.leftovers.join("; ")}`,
          ],
    );
    expect(wrong).toEqual([]);
    expect(nodes.map((n) => output(n, "value").toString())).toEqual(nodes.map((_, i) => JSON.stringify(`value ${i}`)));
  });
});

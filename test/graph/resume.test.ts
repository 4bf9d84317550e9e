// A controller process killed with SIGKILL mid-run, then resumed from the run directory alone:
// tasks that had finished are not run again (each task appends to a counter file), interrupted
// and unstarted ones are, and the results are readable from the directory afterwards.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { readResults, resume, runStatus } from "../../src/graph/index.js";
import { isAlive, shellWorker, tempDir } from "./support.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, test: () => boolean, limitMs = 20_000) {
  for (let waited = 0; !test(); waited += 20) {
    if (waited > limitMs) throw new Error(`gave up waiting for ${what}`);
    await sleep(20);
  }
}

describe("resume after SIGKILL", () => {
  it("does not rerun finished tasks and reruns the rest", async () => {
    const workers = tempDir();
    shellWorker(
      workers,
      "stepper",
      `x=$(cat "$input_x_file")
mkdir -p "$TKR_DIR/pids"; echo $$ > "$TKR_DIR/pids/$x"
echo "start $x" >> "$TKR_DIR/counter"
sleep 0.3
echo $(( x * 10 )) > "$output_value_file"
touch "$done_path"`,
    );
    const root = tempDir();
    // Its own process group, so that the kill takes the controller and its process helper at once.
    const child = spawn(process.execPath, [join(repo, "test/graph/fixtures/resume-child.mjs"), root, "wf", workers], {
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const exited = new Promise((r) => child.once("exit", r));
    const wf = join(root, "wf");
    const elementDone = (e: number) => existsSync(join(wf, `-.N3.M${e}.N1`, "_done"));
    await until(`two tasks done (child stderr: ${stderr})`, () => [0, 1, 2, 3, 4, 5].filter(elementDone).length >= 2);
    process.kill(-child.pid!, "SIGKILL");
    await exited;
    // A crash takes the task processes with it: stop the orphans still running (tasks run in
    // process groups of their own). A task forked just before the kill may take a moment to
    // write its pid file: wait until no new one appears.
    let pidFiles = -1;
    await until("pid files settled", () => {
      const n = readdirSync(join(root, "pids")).length;
      const settled = n === pidFiles;
      pidFiles = n;
      return settled;
    });
    await sleep(200);
    const pids = readdirSync(join(root, "pids")).map((f) => Number(readFileSync(join(root, "pids", f), "utf8")));
    for (const pid of pids) {
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        // Already finished.
      }
    }
    await until("orphans gone", () => pids.every((p) => !isAlive(p)));

    const starts = () =>
      readFileSync(join(root, "counter"), "utf8")
        .trim()
        .split("\n")
        .map((l) => Number(l.split(" ")[1]));
    const startedBefore = new Set(starts());
    const doneBefore = [0, 1, 2, 3, 4, 5].filter(elementDone);
    expect(doneBefore.length).toBeGreaterThanOrEqual(2);
    expect(doneBefore.length).toBeLessThan(6);
    expect((await runStatus(wf)).state).toBe("unfinished");

    const outcome = await resume(wf, { workers, concurrency: 2 });
    expect(outcome.value).toEqual([0, 10, 20, 30, 40, 50]);
    const counts = new Map<number, number>();
    for (const x of starts()) counts.set(x, (counts.get(x) ?? 0) + 1);
    for (let e = 0; e < 6; e++) {
      // Done before the kill: run once. Interrupted: once before, once after. Not started: once.
      const expected = doneBefore.includes(e) ? 1 : startedBefore.has(e) ? 2 : 1;
      expect([e, counts.get(e)]).toEqual([e, expected]);
    }
    expect(outcome.tasksCached).toBeGreaterThanOrEqual(doneBefore.length);
    expect(await readResults(wf)).toEqual([0, 10, 20, 30, 40, 50]);
    expect((await runStatus(wf)).state).toBe("finished");
  });

  it("refuses to reuse a run directory without resume, or with another graph", async () => {
    const { graph, run } = await import("../../src/graph/index.js");
    const { t } = await import("../../src/runtime-contract/index.js");
    const g = graph({ inputs: { x: t.int32 }, output: t.int32 });
    g.output(g.inputs.x);
    const root = tempDir();
    mkdirSync(root, { recursive: true });
    expect((await run(g, { x: 1 }, { root, workflowId: "same" })).value).toBe(1);
    await expect(run(g, { x: 1 }, { root, workflowId: "same" })).rejects.toThrow(/exists; resume it/);
    expect((await run(g, { x: 1 }, { root, workflowId: "same", resume: true })).value).toBe(1);
    await expect(run(g, { x: 2 }, { root, workflowId: "same", resume: true })).rejects.toThrow(/different value of input 'x'/);
    const h = graph({ inputs: { x: t.int32 }, output: t.int32 });
    h.output(h.const(5));
    await expect(run(h, { x: 1 }, { root, workflowId: "same", resume: true })).rejects.toThrow(/different graph/);
  });
});

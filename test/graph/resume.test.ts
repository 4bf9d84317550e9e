// A controller process killed with SIGKILL mid-run, then resumed from the run directory alone:
// tasks that had finished are not run again (each task appends to a counter file), interrupted
// and unstarted ones are, and the results are readable from the directory afterwards.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { graph, readResults, resume, run, runStatus, type RunEvent } from "../../src/graph/index.js";
import { t } from "../../src/runtime/index.js";
import { intTask, isAlive, shellWorker, stepperWorker, tempDir } from "./support.js";

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
    stepperWorker(workers);
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
    const { t } = await import("../../src/runtime/index.js");
    const g = graph({ inputs: { x: t.int32 }, output: t.int32 });
    g.output(g.inputs.x);
    const root = tempDir();
    mkdirSync(root, { recursive: true });
    expect((await run(g, { x: 1 }, { root, workflowId: "same" })).value).toBe(1);
    await expect(run(g, { x: 1 }, { root, workflowId: "same" })).rejects.toThrow(/exists; resume it/);
    expect((await run(g, { x: 1 }, { root, workflowId: "same", resume: true })).value).toBe(1);
    await expect(run(g, { x: 2 }, { root, workflowId: "same", resume: true })).rejects.toThrow(
      /different value of input 'x'/,
    );
    const h = graph({ inputs: { x: t.int32 }, output: t.int32 });
    h.output(h.const(5));
    await expect(run(h, { x: 1 }, { root, workflowId: "same", resume: true })).rejects.toThrow(/different graph/);
  });
});

describe("resume checks the outputs of finished tasks (issue 9 #3)", () => {
  const double = intTask("calc", "double", ["x"] as const);
  const times10 = intTask("calc", "times10", ["x"] as const);

  /** x → double → times10; `times10` fails while `$TKR_DIR/fail` exists. Every run is counted. */
  function setup() {
    const workers = tempDir();
    shellWorker(
      workers,
      "calc",
      `echo "$function_name" >> "$TKR_DIR/runs"
x=$(cat "$input_x_file")
case "$function_name" in
  double) echo $(( x * 2 )) > "$output_value_file" ;;
  times10) if [ -e "$TKR_DIR/fail" ]; then echo "told to fail" >&2; exit 3; fi; echo $(( x * 10 )) > "$output_value_file" ;;
esac`,
    );
    const g = graph({ inputs: { x: t.int32 }, output: t.int32 });
    g.output(g.task(times10({ x: g.task(double({ x: g.inputs.x })) })));
    const root = tempDir();
    return {
      workers,
      g,
      root,
      wf: join(root, "wf"),
      runs: () => readFileSync(join(root, "runs"), "utf8").trim().split("\n"),
    };
  }

  for (const [what, damage, reason] of [
    ["emptied", (f: string) => writeFileSync(f, ""), /output value does not decode as int32 \(the file is empty\)/],
    ["deleted", (f: string) => rmSync(f), /output value is missing/],
    ["garbled", (f: string) => writeFileSync(f, '"seven"'), /output value does not decode as int32/],
  ] as const) {
    it(`reruns a finished task whose value file was ${what}, and says so`, async () => {
      const { workers, g, root, wf, runs } = setup();
      writeFileSync(join(root, "fail"), "");
      await expect(run(g, { x: 4 }, { root, workflowId: "wf", workers })).rejects.toThrow(
        /calc.times10 at -.N2 failed/,
      );
      expect(runs()).toEqual(["double", "times10"]);
      damage(join(wf, "-.N1", "outputs", "value"));
      rmSync(join(root, "fail"));
      const events: RunEvent[] = [];
      const outcome = await resume(wf, { workers, onEvent: (e) => events.push(e) });
      expect(outcome.value).toBe(80);
      expect(runs()).toEqual(["double", "times10", "double", "times10"]);
      const rerun = events.find((e) => e.type === "task-rerun");
      expect(rerun).toMatchObject({ loc: "-.N1", task: "calc.double", port: "value" });
      expect((rerun as { message: string }).message).toMatch(/^rerunning calc.double at -.N1: /);
      expect((rerun as { message: string }).message).toMatch(reason);
      expect(readFileSync(join(wf, "logs"), "utf8")).toMatch(/rerunning calc.double at -.N1/);
    });
  }

  it("keeps finished tasks whose outputs check, and relinks a map's outputs to a rerun element's value", async () => {
    const { workers, root, wf, runs } = setup();
    const body = graph({ inputs: { x: t.int32 }, output: t.int32 });
    body.output(body.task(double({ x: body.inputs.x })));
    const g = graph({ inputs: { xs: t.list(t.int32) }, output: t.list(t.int32) });
    g.output(g.map(body, { x: g.each(g.inputs.xs) }));
    expect((await run(g, { xs: [1, 2, 3] }, { root, workflowId: "wf", workers })).value).toEqual([2, 4, 6]);
    // As if the controller had died after element 1 finished and before the fold did, and the
    // element's value had been emptied since.
    const element = readdirSync(wf).find((d) => /\.M1\.N1$/.test(d))!;
    writeFileSync(join(wf, element, "outputs", "value"), "");
    const fold = readdirSync(wf).find(
      (d) =>
        /^-\.N\d+$/.test(d) &&
        JSON.parse(readFileSync(join(wf, d, "nodedef"), "utf8")).function_name === "builtins.fold_values",
    )!;
    rmSync(join(wf, fold, "_done"));
    rmSync(join(wf, "-", "_done"));
    const events: RunEvent[] = [];
    const outcome = await resume(wf, { workers, onEvent: (e) => events.push(e) });
    expect(outcome.value).toEqual([2, 4, 6]);
    expect(await readResults(wf)).toEqual([2, 4, 6]);
    expect(runs()).toEqual(["double", "double", "double", "double"]);
    expect(events.filter((e) => e.type === "task-rerun").map((e) => e.loc)).toEqual([element]);
    expect(outcome.tasksCached).toBe(3); // the other two elements and the unfold
  });
});

// `status` and `results` on real run directories: the task that failed against those the
// controller stopped, `_error` over `_done`, runs written by upstream Tierkreis (no metadata of
// ours), and a live run against an interrupted one.
import { spawnSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { tw } from "../support/cli.js";
import { shellWorker, tempDir } from "./support.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** A graph module: `out = { x: calc.slow(a), y: calc.boom(a) }`, or `calc.add(a, b)` alone. */
function module(dir: string, body: "pair" | "add"): string {
  const file = join(dir, `${body}.mjs`);
  const lines =
    body === "pair"
      ? `const slow = one("slow"), boom = one("boom");
const g = graph({ inputs: { a: t.int32 }, output: { x: t.int32, y: t.int32 }, name: "pair" });
g.output({ x: g.task(slow({ a: g.inputs.a })), y: g.task(boom({ a: g.inputs.a })) });`
      : `const add = task({ worker: "calc", name: "add", inputs: [{ name: "a", type: t.int32 }, { name: "b", type: t.int32 }], outputs: [{ name: "value", type: t.int32 }], shape: "value" });
const g = graph({ inputs: { a: t.int32, b: t.int32 }, output: t.int32, name: "adder" });
g.output(g.task(add({ a: g.inputs.a, b: g.inputs.b })));`;
  writeFileSync(
    file,
    `import { graph } from ${JSON.stringify(join(repo, "dist/src/graph/index.js"))};
import { t, task } from ${JSON.stringify(join(repo, "dist/src/runtime/index.js"))};
const one = (name) => task({ worker: "calc", name, inputs: [{ name: "a", type: t.int32 }], outputs: [{ name: "value", type: t.int32 }], shape: "value" });
${lines}
export default g;
`,
  );
  return file;
}

const ADD = `echo $(( $(cat "$input_a_file") + $(cat "$input_b_file") )) > "$output_value_file"`;

function finishedAdder() {
  const dir = tempDir();
  const workers = join(dir, "workers");
  shellWorker(workers, "calc", ADD);
  const r = tw(
    "run",
    module(dir, "add"),
    "-w",
    workers,
    "-i",
    '{"a": 2, "b": 40}',
    "--root",
    join(dir, "runs"),
    "--id",
    "one",
    "--no-progress",
  );
  expect([r.status, r.stdout]).toEqual([0, "42\n"]);
  return { dir, workers, run: join(dir, "runs", "one") };
}

/** Strip what only our controller writes: the run directory as upstream Tierkreis leaves it. */
function asUpstream(run: string) {
  for (const f of ["_signature", "_options.json", "-/_error", "-/errors"]) rmSync(join(run, f), { force: true });
}

describe("status", () => {
  it("names the task that failed, and shows the ones the controller stopped as stopped", () => {
    const dir = tempDir();
    const workers = join(dir, "workers");
    // Like a generated launcher, `slow` writes _error when it is stopped by a signal.
    shellWorker(
      workers,
      "calc",
      `case $function_name in
  slow) trap 'echo "stopped by SIGTERM" > "$error_path"; exit 143' TERM; touch "$TKR_DIR/slow-started"; sleep 30 & wait ;;
  boom) for _ in $(seq 200); do [ -e "$TKR_DIR/slow-started" ] && break; sleep 0.05; done; echo "no luck" >&2; exit 3 ;;
esac`,
    );
    const r = tw(
      "run",
      module(dir, "pair"),
      "-w",
      workers,
      "-i",
      '{"a": 1}',
      "--root",
      join(dir, "runs"),
      "--id",
      "f",
      "-j",
      "2",
      "--no-progress",
    );
    expect(r.stderr).toContain("error: task calc.boom at -.N2 failed: exited with status 3");
    const s = tw("status", join(dir, "runs/f"));
    expect(s.status).toBe(1);
    expect(s.stdout).toContain("state: failed\ntasks: 0 done, 1 failed, 1 stopped, 0 started and not finished\n");
    expect(s.stdout).toContain("  ✗ failed  calc.boom -.N2: exited with status 3\n");
    expect(s.stdout).toContain("  ■ stopped calc.slow -.N1: stopped by SIGTERM");
    const json = JSON.parse(tw("status", join(dir, "runs/f"), "--json").stdout);
    expect(json.tasks).toEqual({ done: 0, failed: 1, stopped: 1, started: 0 });
  });

  it("a task with both _done and _error failed: the run is failed, not finished", () => {
    const { run } = finishedAdder();
    writeFileSync(join(run, "-.N2", "_error"), "written by a second controller\n");
    const s = tw("status", run);
    expect(s.stdout).toContain(
      "state: failed\ntasks: 0 done, 1 failed, 0 started and not finished\n  ✗ failed  calc.add -.N2: written by a second controller",
    );
    expect(s.status).toBe(1);
    const r = tw("results", run);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `error: ${run}: no results, the run failed:\n  task calc.add at -.N2 failed: written by a second controller\n`,
    );
  });

  it("a task's _error left by an earlier attempt of our run that did not fail: interrupted, rerun on resume", () => {
    const { run, workers } = finishedAdder();
    rmSync(join(run, "-", "_done"));
    rmSync(join(run, "-.N2", "_done"));
    writeFileSync(join(run, "-.N2", "_error"), "from the attempt before\n");
    const s = tw("status", run);
    expect(s.stdout).toContain("state: unfinished, interrupted (no controller holds it)");
    expect(s.stdout).toContain("✗ failed  calc.add -.N2: from the attempt before");
    expect(tw("resume", run, "-w", workers, "--no-progress").stdout).toBe("42\n");
    expect(tw("status", run).stdout).toContain("state: finished\ntasks: 1 done");
  });

  it("tells a running run from an interrupted one by its lock", () => {
    const { run } = finishedAdder();
    rmSync(join(run, "-", "_done"));
    let s = tw("status", run);
    expect(s.stdout).toContain(
      `state: unfinished, interrupted (no controller holds it); continue it with: typespec-workers resume ${run}\n`,
    );
    // A live controller: this test's own process (the lock as src/graph/run-lock.ts writes it).
    writeFileSync(
      join(run, "_lock"),
      JSON.stringify({ pid: process.pid, host: hostname(), startedAt: "2026-12-02T03:00:00Z", nonce: "test" }),
    );
    s = tw("status", run);
    expect(s.stdout).toContain(
      `state: unfinished, running (controller pid ${process.pid} on ${hostname()} since 2026-12-02T03:00:00Z)\n`,
    );
    expect(JSON.parse(tw("status", run, "--json").stdout)).toMatchObject({
      state: "unfinished",
      activity: "running",
      controller: { pid: process.pid, live: true },
    });
    // A controller that is gone: a process that has exited.
    const gone = spawnSync("sh", ["-c", "echo $$"], { encoding: "utf8" }).stdout.trim();
    writeFileSync(
      join(run, "_lock"),
      JSON.stringify({ pid: Number(gone), host: hostname(), startedAt: "2026-12-02T03:00:00Z", nonce: "test" }),
    );
    s = tw("status", run);
    expect(s.stdout).toContain(
      `state: unfinished, interrupted (controller pid ${gone} on ${hostname()} since 2026-12-02T03:00:00Z is gone)`,
    );
  });
});

describe("results of a run that did not finish", () => {
  it("an upstream run whose task failed: fails naming the task, not {}", () => {
    const dir = tempDir();
    const workers = join(dir, "workers");
    shellWorker(workers, "calc", `echo "cannot add today" >&2; echo "cannot add today" > "$error_path"; exit 5`);
    const r = tw(
      "run",
      module(dir, "add"),
      "-w",
      workers,
      "-i",
      '{"a": 1, "b": 2}',
      "--root",
      join(dir, "runs"),
      "--id",
      "bad",
      "--no-progress",
    );
    expect(r.status).toBe(1);
    const run = join(dir, "runs", "bad");
    asUpstream(run);
    const res = tw("results", run);
    expect(res.stdout).toBe("");
    expect(res.stderr).toBe(
      `error: ${run}: no results, the run failed:\n  task calc.add at -.N2 failed: cannot add today\n`,
    );
    expect(res.status).toBe(1);
  });

  it("an upstream run that has not finished: fails naming the missing output", () => {
    const { run } = finishedAdder();
    asUpstream(run);
    rmSync(join(run, "-"), { recursive: true });
    const res = tw("results", run);
    expect(res.stderr).toBe(
      `error: ${run}: no results, the run has not finished (interrupted): no output 'value'; 1 tasks done, 0 not finished (typespec-workers resume ${run})\n`,
    );
    expect(res.status).toBe(1);
  });

  it("an upstream run that finished still gives its results", () => {
    const { run } = finishedAdder();
    asUpstream(run);
    expect(tw("results", run)).toMatchObject({ status: 0, stdout: '{\n  "value": 42\n}\n' });
  });
});

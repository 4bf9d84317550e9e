// The CLI on real run directories: run a graph module, status, results, resume; progress output.
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { attachProgress, ProgressState } from "../../src/graph/index.js";
import { tw } from "../support/cli.js";
import { adderModule, shellWorker, tempDir } from "./support.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

describe("typespec-workers CLI", () => {
  it("prints the package's version", () => {
    const { version } = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as { version: string };
    const r = tw("--version");
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(version);
  });

  it("runs a graph module, then tells status and results from the run directory", () => {
    const dir = tempDir();
    const workers = join(dir, "workers");
    shellWorker(workers, "calc", `echo $(( $(cat "$input_a_file") + $(cat "$input_b_file") )) > "$output_value_file"`);
    const mod = adderModule(dir);
    const r = tw("run", mod, "-w", workers, "-i", '{"a": 2, "b": 40}', "--root", join(dir, "runs"), "--id", "one");
    expect(r.stderr).toContain("done    calc.add -.N2");
    expect([r.status, r.stdout]).toEqual([0, "42\n"]);
    const s = tw("status", join(dir, "runs/one"));
    expect(s.status).toBe(0);
    expect(s.stdout).toContain("state: finished\ntasks: 1 done, 0 failed, 0 started and not finished");
    expect(r.stderr).toMatch(/^running .*\/runs\/one\n/);
    // Said once, at the start (it was repeated at the end).
    expect(r.stderr.match(/\/runs\/one/g)).toHaveLength(1);
    const quiet = tw(
      "run",
      mod,
      "-w",
      workers,
      "-i",
      '{"a": 2, "b": 40}',
      "--root",
      join(dir, "runs"),
      "--no-progress",
    );
    expect(quiet.stderr.match(/^run directory: /gm)).toHaveLength(1);
    expect(tw("results", join(dir, "runs/one")).stdout).toBe("42\n");
  });

  it("refuses to start a graph whose worker is nowhere, naming the task and where it looked", () => {
    const dir = tempDir();
    const workers = join(dir, "workers");
    const r = tw("run", adderModule(dir), "-w", workers, "-i", '{"a": 2, "b": 40}', "--root", join(dir, "runs"));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      `error: nothing ran:\n  task calc.add cannot run: worker 'calc' not found: no launcher, TypeScript worker or Python worker in the worker folders ${workers} (looked at ${workers}/calc, ${workers}/calc/main.sh,`,
    );
    expect(r.stdout).toBe("");
  });

  it("status, results and resume refuse a folder that is not a run directory", () => {
    const dir = tempDir();
    for (const command of ["status", "results", "resume"]) {
      expect(tw(command, dir)).toMatchObject({
        status: 1,
        stderr: `error: ${dir} is not a run directory (no .N-1/outputs/body)\n`,
      });
      expect(tw(command, join(dir, "gone"))).toMatchObject({
        status: 1,
        stderr: `error: no run directory at ${join(dir, "gone")}\n`,
      });
    }
  });

  it("rejects bad inputs with one message per input and exit status 1", () => {
    const dir = tempDir();
    const r = tw("run", adderModule(dir), "-i", '{"a": "x"}', "--root", join(dir, "runs"));
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      "error: graph inputs rejected, nothing ran:\n  input 'a': expected int32, got string \"x\"\n  input 'b' is missing\n",
    );
  });

  it("reports a failed run: status names the task, its error and stderr", () => {
    const dir = tempDir();
    const workers = join(dir, "workers");
    shellWorker(workers, "calc", `echo "cannot add today" >&2; exit 5`);
    const r = tw(
      "run",
      adderModule(dir),
      "-w",
      workers,
      "-i",
      '{"a": 1, "b": 2}',
      "--root",
      join(dir, "runs"),
      "--id",
      "bad",
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      "error: task calc.add at -.N2 failed: exited with status 5\n--- stderr (last lines) ---\ncannot add today",
    );
    const s = tw("status", join(dir, "runs/bad"));
    expect(s.status).toBe(1);
    expect(s.stdout).toContain("state: failed");
    expect(s.stdout).toContain("✗ failed  calc.add -.N2: exited with status 5");
    expect(s.stdout).toContain("| cannot add today");
    // Fixed worker, same run directory: resume finishes it.
    shellWorker(workers, "calc", `echo $(( $(cat "$input_a_file") + $(cat "$input_b_file") )) > "$output_value_file"`);
    expect(tw("resume", join(dir, "runs/bad"), "-w", workers, "--no-progress").stdout).toBe("3\n");
  });
});

describe("progress", () => {
  it("counts running, done, earlier and failed tasks", () => {
    const p = new ProgressState();
    p.apply({ type: "task-started", loc: "-.N1", task: "w.a" });
    p.apply({ type: "task-started", loc: "-.N2", task: "w.b" });
    p.apply({ type: "task-done", loc: "-.N1", task: "w.a" });
    p.apply({ type: "task-cached", loc: "-.N3", task: "w.c" });
    p.apply({ type: "task-failed", loc: "-.N2", task: "w.b", reason: "exited with status 2" });
    expect(p.render()).toBe("tasks: 0 running, 1 done, 1 done earlier, 1 failed\n  ✗ w.b  -.N2: exited with status 2");
  });

  it("shows the tasks a failed run stopped as stopped, not running", () => {
    const p = new ProgressState();
    for (const loc of ["-.N1", "-.N2", "-.N3"]) p.apply({ type: "task-started", loc, task: "w.a" });
    p.apply({ type: "task-failed", loc: "-.N1", task: "w.a", reason: "exited with status 4" });
    expect(p.summary()).toBe("2 running, 0 done, 1 failed");
    p.apply({ type: "run-finished", ok: false });
    expect(p.render()).toBe("tasks: 0 running, 0 done, 1 failed, 2 stopped\n  ✗ w.a  -.N1: exited with status 4");
  });

  it("writes plain lines when not on a terminal", () => {
    let text = "";
    const sink = new Writable({
      write(chunk, _enc, cb) {
        text += String(chunk);
        cb();
      },
    }) as unknown as NodeJS.WriteStream;
    const d = attachProgress(sink);
    d.onEvent({ type: "task-started", loc: "-.N1", task: "w.a" });
    d.onEvent({ type: "task-started", loc: "-.N2", task: "w.b" });
    d.onEvent({ type: "task-failed", loc: "-.N1", task: "w.a", reason: "timed out after 1 s" });
    d.onEvent({ type: "run-finished", ok: false });
    d.stop();
    expect(text).toBe(
      "started w.a -.N1\nstarted w.b -.N2\nFAILED  w.a -.N1: timed out after 1 s\nrun failed (1 running task stopped)\n",
    );
  });

  /** A stream that says it is a terminal of the given size, keeping what is written. */
  function terminal(columns: number, rows: number) {
    const sink = {
      text: "",
      isTTY: true,
      columns,
      rows,
      write: (s: string) => ((sink.text += s), true),
      on: () => sink,
      once: () => sink,
      off: () => sink,
      removeListener: () => sink,
    };
    return sink;
  }

  const events = [
    { type: "run-started", runDir: "/runs/abc", resumed: false },
    { type: "task-started", loc: "-.N1", task: "w.a" },
    { type: "task-done", loc: "-.N1", task: "w.a" },
    { type: "run-finished", ok: true },
  ] as const;

  it.each([
    [0, 0],
    [0, 24],
    [80, 0],
  ])("is not blank on a terminal that reports %i columns and %i rows: plain lines", (columns, rows) => {
    const sink = terminal(columns, rows);
    const d = attachProgress(sink as unknown as NodeJS.WriteStream);
    for (const e of events) d.onEvent(e);
    d.stop();
    expect(sink.text).toBe("running /runs/abc\nstarted w.a -.N1\ndone    w.a -.N1\nrun finished\n");
  });

  it("shows the run directory first on a live terminal, before any task", () => {
    const sink = terminal(80, 24);
    const d = attachProgress(sink as unknown as NodeJS.WriteStream);
    d.onEvent(events[0]);
    expect(sink.text).toBe("running /runs/abc\n");
    for (const e of events.slice(1)) d.onEvent(e);
    d.stop();
    expect(sink.text).toContain("tasks: 0 running, 1 done, 0 failed");
  });
});

// Real bash workers through the shell and stdin/stdout executors: the env-var contract, and every
// way a task can fail ending the run with its location, task, reason and stderr tail.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { graph, run, RunError, runStatus, TaskFailedError } from "../../src/graph/index.js";
import { t } from "../../src/runtime/index.js";
import { intTask, isAlive, shellWorker, tempDir } from "./support.js";

const add = intTask("calc", "add", ["a", "b"] as const);
const slow = intTask("calc", "slow", ["a"] as const);

function calcWorker(dir: string, extra = "") {
  // Dispatch on the task name; values are read from the files named by the contract variables.
  return shellWorker(
    dir,
    "calc",
    `case "$function_name" in
  add) echo $(( $(cat "$input_a_file") + $(cat "$input_b_file") )) > "$output_value_file" ;;
  slow) echo $$ > "$TKR_DIR/slow.pid"; sleep 30; echo 0 > "$output_value_file" ;;
  ${extra}
  *) echo "unknown task $function_name" >&2; exit 9 ;;
esac`,
  );
}

function addGraph() {
  const g = graph({ inputs: { a: t.int32, b: t.int32 }, output: t.int32 });
  g.output(g.task(add({ a: g.inputs.a, b: g.inputs.b })));
  return g;
}

async function failure(p: Promise<unknown>): Promise<TaskFailedError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(TaskFailedError);
    return e as TaskFailedError;
  }
  throw new Error("the run did not fail");
}

describe("shell executor", () => {
  it("runs a hand-written main.sh with the contract environment", async () => {
    const workers = tempDir();
    calcWorker(
      workers,
      `env) env | grep -E '^(TKR_DIR|checkpoints_directory|function_name|done_path|error_path|output_dir|logs_path|worker_call_args_file|input_a_file|output_value_file)=' | sort > "$TKR_DIR/env.txt"; echo 1 > "$output_value_file" ;;`,
    );
    const root = tempDir();
    expect((await run(addGraph(), { a: 40, b: 2 }, { root, workflowId: "r", workers })).value).toBe(42);

    const envTask = intTask("calc", "env", ["a"] as const);
    const g = graph({ inputs: { a: t.int32 }, output: t.int32 });
    g.output(g.task(envTask({ a: g.inputs.a })));
    await run(g, { a: 1 }, { root, workflowId: "e", workers });
    const env = Object.fromEntries(
      readFileSync(join(root, "env.txt"), "utf8")
        .trim()
        .split("\n")
        .map((l) => l.split(/=(.*)/s).slice(0, 2)),
    );
    expect(env).toEqual({
      TKR_DIR: root,
      checkpoints_directory: root,
      function_name: "env",
      done_path: join(root, "e/-.N1/_done"),
      error_path: join(root, "e/-.N1/_error"),
      output_dir: join(root, "e/-.N1/outputs"),
      logs_path: join(root, "e/logs"),
      worker_call_args_file: join(root, "e/-.N1/definition"),
      input_a_file: join(root, "e/.N-1/outputs/a"),
      output_value_file: join(root, "e/-.N1/outputs/value"),
    });
  });

  it("fails on a non-zero exit with the stderr tail, and stops the other tasks", async () => {
    const workers = tempDir();
    calcWorker(
      workers,
      `boom) while [ ! -f "$TKR_DIR/slow.pid" ]; do sleep 0.02; done; echo "line one" >&2; echo "the disk is on fire" >&2; exit 3 ;;`,
    );
    const boom = intTask("calc", "boom", ["a"] as const);
    const g = graph({ inputs: { a: t.int32 }, output: { x: t.int32, y: t.int32 } });
    g.output({ x: g.task(slow({ a: g.inputs.a })), y: g.task(boom({ a: g.inputs.a })) });
    const root = tempDir();
    // The boom task waits for the slow one to start, so that there is something to stop.
    const e = await failure(run(g, { a: 1 }, { root, workflowId: "f", workers, concurrency: 2 }));
    expect(e.loc).toBe("-.N2");
    expect(e.task).toBe("calc.boom");
    expect(e.reason).toBe("exited with status 3");
    expect(e.stderrTail).toBe("line one\nthe disk is on fire");
    expect(e.message).toContain("task calc.boom at -.N2 failed: exited with status 3");
    expect(readFileSync(join(root, "f/-.N2/errors"), "utf8")).toContain("the disk is on fire");
    expect(existsSync(join(root, "f/-.N2/_error"))).toBe(true);
    expect(existsSync(join(root, "f/-/_error"))).toBe(true);
    expect(isAlive(Number(readFileSync(join(root, "slow.pid"), "utf8")))).toBe(false);
    // The slow task was stopped, not waited for: it never got to write its output.
    expect(existsSync(join(root, "f/-.N1/outputs/value"))).toBe(false);
    const status = await runStatus(join(root, "f"));
    expect(status.state).toBe("failed");
    expect(status.attention.find((a) => a.loc === "-.N2")).toMatchObject({ state: "failed", task: "calc.boom" });
  });

  it("reports a task killed by a signal", async () => {
    const workers = tempDir();
    calcWorker(workers, `die) echo "about to die" >&2; kill -KILL $$ ;;`);
    const die = intTask("calc", "die", ["a"] as const);
    const g = graph({ inputs: { a: t.int32 }, output: t.int32 });
    g.output(g.task(die({ a: g.inputs.a })));
    const e = await failure(run(g, { a: 1 }, { root: tempDir(), workers }));
    expect(e.reason).toBe("killed by signal SIGKILL");
    expect(e.stderrTail).toBe("about to die");
  });

  it("stops a task at its time limit", async () => {
    const workers = tempDir();
    calcWorker(workers);
    const g = graph({ inputs: { a: t.int32 }, output: t.int32 });
    g.output(g.task(slow({ a: g.inputs.a })));
    const root = tempDir();
    const e = await failure(run(g, { a: 1 }, { root, workers, timeouts: { "calc.slow": 0.5 } }));
    expect(e.reason).toBe("timed out after 0.5 s");
    expect(isAlive(Number(readFileSync(join(root, "slow.pid"), "utf8")))).toBe(false);
  });

  it("fails a task that exits 0 without writing a declared output", async () => {
    const workers = tempDir();
    calcWorker(workers, `lazy) echo "forgot" >&2 ;;`);
    const lazy = intTask("calc", "lazy", ["a"] as const);
    const g = graph({ inputs: { a: t.int32 }, output: t.int32 });
    g.output(g.task(lazy({ a: g.inputs.a })));
    const e = await failure(run(g, { a: 1 }, { root: tempDir(), workers }));
    expect(e.reason).toBe("finished without writing output 'value'");
    expect(e.task).toBe("calc.lazy");
  });

  it("reports the message a launcher writes to _error", async () => {
    const workers = tempDir();
    calcWorker(workers, `picky) echo "port a: 7 is not even" > "$error_path"; exit 1 ;;`);
    const picky = intTask("calc", "picky", ["a"] as const);
    const g = graph({ inputs: { a: t.int32 }, output: t.int32 });
    g.output(g.task(picky({ a: g.inputs.a })));
    const e = await failure(run(g, { a: 7 }, { root: tempDir(), workers }));
    expect(e.reason).toBe("exited with status 1: port a: 7 is not even");
  });

  it("names the task and the folders searched for a missing worker, before anything is written", async () => {
    const a = tempDir();
    const b = tempDir();
    const root = tempDir();
    const refused = (options: Parameters<typeof run>[2]) =>
      run(addGraph(), { a: 1, b: 2 }, { root, workflowId: "w", ...options }).then(
        () => expect.fail("the run started"),
        (e: unknown) => {
          expect(e).toBeInstanceOf(RunError);
          return (e as Error).message;
        },
      );
    expect(await refused({ workers: [a, b], executors: { default: "shell" } })).toBe(
      `nothing ran:\n  task calc.add cannot run: worker 'calc' not found: no launcher in the worker folders ${a}, ${b} (looked at ${a}/calc, ${a}/calc/main.sh, ${b}/calc, ${b}/calc/main.sh)`,
    );
    expect(await refused({ workers: [a] })).toMatch(
      new RegExp(
        `^nothing ran:\n  task calc.add cannot run: worker 'calc' not found: no launcher, TypeScript worker or Python worker in the worker folders ${a} \\(looked at .*calc/main.sh, .*calc/main.js.*calc/main.py\\)$`,
      ),
    );
    expect(existsSync(join(root, "w")), "the run directory was created").toBe(false);
  });

  it("runs an executable launcher file directly, and values with shell syntax stay inert", async () => {
    const workers = tempDir();
    const s = graph({ inputs: { s: t.string }, output: t.string });
    shellWorker(workers, "echoer", `cat "$input_s_file" > "$output_value_file"`, { executable: true });
    const echoS = (await import("../../src/runtime/index.js")).task<{ s: string }, string, "value">({
      worker: "echoer",
      name: "echo",
      inputs: [{ name: "s", type: t.string }],
      outputs: [{ name: "value", type: t.string }],
      shape: "value",
    });
    s.output(s.task(echoS({ s: s.inputs.s })));
    const nasty = `$(touch /tmp/pwned-tw) "quoted" 'single' \n newline; rm -rf /`;
    const r = await run(s, { s: nasty }, { root: tempDir(), workers });
    expect(r.value).toBe(nasty);
    expect(existsSync("/tmp/pwned-tw")).toBe(false);
  });
});

describe("stdin/stdout executor", () => {
  it("gives the single input on stdin and takes the single output from stdout", async () => {
    const workers = tempDir();
    shellWorker(workers, "upper", `tr a-z A-Z`);
    const { task } = await import("../../src/runtime/index.js");
    const shout = task<{ s: string }, string, "value">({
      worker: "upper",
      name: "shout",
      inputs: [{ name: "s", type: t.string }],
      outputs: [{ name: "value", type: t.string }],
      shape: "value",
    });
    const g = graph({ inputs: { s: t.string }, output: t.string });
    g.output(g.task(shout({ s: g.inputs.s })));
    const r = await run(g, { s: "hello" }, { root: tempDir(), workers, executors: { upper: "stdio" } });
    expect(r.value).toBe("HELLO");
  });

  it("fails (not hangs) when the program fails", async () => {
    const workers = tempDir();
    shellWorker(workers, "upper", `echo "no thanks" >&2; exit 4`);
    const { task } = await import("../../src/runtime/index.js");
    const shout = task<{ s: string }, string, "value">({
      worker: "upper",
      name: "shout",
      inputs: [{ name: "s", type: t.string }],
      outputs: [{ name: "value", type: t.string }],
      shape: "value",
    });
    const g = graph({ inputs: { s: t.string }, output: t.string });
    g.output(g.task(shout({ s: g.inputs.s })));
    const e = await failure(run(g, { s: "x" }, { root: tempDir(), workers, executors: { upper: "stdio" } }));
    expect(e.reason).toBe("exited with status 4");
    expect(e.stderrTail).toBe("no thanks");
  });
});

describe("time limits from worker.json and run options", () => {
  it("uses a task's @timeout from worker.json unless the run sets one", async () => {
    const workers = tempDir();
    calcWorker(workers);
    writeFileSync(
      join(workers, "calc", "worker.json"),
      JSON.stringify({ name: "calc", tasks: { slow: { timeout: 0.3 } } }),
    );
    const g = graph({ inputs: { a: t.int32 }, output: t.int32 });
    g.output(g.task(slow({ a: g.inputs.a })));
    const e = await failure(run(g, { a: 1 }, { root: tempDir(), workers }));
    expect(e.reason).toBe("timed out after 0.3 s");
    const f = await failure(run(g, { a: 1 }, { root: tempDir(), workers, timeouts: { calc: 0.2 } }));
    expect(f.reason).toBe("timed out after 0.2 s");
  });

  it("stops the run when the caller aborts", async () => {
    const workers = tempDir();
    calcWorker(workers);
    const g = graph({ inputs: { a: t.int32 }, output: t.int32 });
    g.output(g.task(slow({ a: g.inputs.a })));
    const root = tempDir();
    const ac = new AbortController();
    const p = run(
      g,
      { a: 1 },
      {
        root,
        workers,
        signal: ac.signal,
        onEvent: (ev) => ev.type === "task-started" && setTimeout(() => ac.abort(), 100),
      },
    );
    await expect(p).rejects.toThrow(/the run was stopped/);
  });
});

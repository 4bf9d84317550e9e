// Run options are checked before anything is written, through the API and the CLI alike: a bad
// value is named, a wrong worker or task name gets the closest known one, and no folder is made.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { graph, resume, run, RunOptionsError } from "../../src/graph/index.js";
import { t } from "../../src/runtime/index.js";
import { tw } from "../support/cli.js";
import { adderModule, intTask, shellWorker, tempDir } from "./support.js";

const add = intTask("calc", "add", ["a", "b"] as const);
const g = graph({ inputs: { a: t.int32, b: t.int32 }, output: t.int32, name: "adder" });
g.output(g.task(add({ a: g.inputs.a, b: g.inputs.b })));

function setup() {
  const dir = tempDir();
  const workers = join(dir, "workers");
  shellWorker(workers, "calc", `echo $(( $(cat "$input_a_file") + $(cat "$input_b_file") )) > "$output_value_file"`);
  // The checkpoints root is two levels down, so that `../../escape` would land inside `dir`.
  const root = join(dir, "a", "runs");
  return { dir, workers, root };
}

/** Everything under `dir`, but the workers: what a refused run must not have made. */
function made(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).filter(
    (p) => !p.startsWith("workers") && !p.endsWith(".mjs"),
  );
}

async function refusal(p: Promise<unknown>): Promise<RunOptionsError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(RunOptionsError);
  return e as RunOptionsError;
}

describe("run options (API)", () => {
  it("refuses a workflow id that is not one folder name under the root, writing nothing", async () => {
    const { dir, workers, root } = setup();
    for (const id of ["../../escape", "", "/tmp/abs", ".", "..", "a/b"]) {
      const e = await refusal(run(g, { a: 1, b: 2 }, { root, workflowId: id, workers }));
      expect(e.message).toContain(`workflow id ${JSON.stringify(id)}: must be one folder name`);
    }
    expect(made(dir)).toEqual([]);
    expect(existsSync("/tmp/abs")).toBe(false);
  });

  it("refuses time limits, concurrency and executors that are not ones, naming the value", async () => {
    const { dir, workers, root } = setup();
    const cases: [Record<string, unknown>, string][] = [
      [{ timeout: -1 }, "timeout: -1 is not a time limit"],
      [{ timeout: Number.NaN }, "timeout: NaN is not a time limit"],
      [{ timeout: "abc" }, 'timeout: "abc" is not a time limit'],
      [{ timeout: 1e9 }, "timeout: 1000000000 is not a time limit (expected seconds from 0.001 to 2147483)"],
      [{ timeouts: { calc: 0 } }, "timeout for 'calc': 0 is not a time limit"],
      [{ concurrency: 0 }, "concurrency: 0 is not a concurrency"],
      [{ concurrency: 2.5 }, "concurrency: 2.5 is not a concurrency"],
      [
        { executors: { calc: "bogus" } },
        `executor for 'calc': "bogus" is not an executor: expected auto, shell, stdio, node, python, an Executor or a worker from defineWorker`,
      ],
      [{ executors: { calc: "shel" } }, "(closest: 'shell')"],
      [{ executors: null }, "executors: null is not an object of <worker>: executor"],
      [{ executors: { calc: null } }, "executor for 'calc': null is not an executor"],
      [{ executor: "shell" }, 'executor: "shell" is not an Executor'],
      [{ workers: 3 }, "workers: 3 is not a folder or a list of folders"],
    ];
    for (const [options, message] of cases) {
      const e = await refusal(run(g, { a: 1, b: 2 }, { root, workflowId: "w", workers, ...options }));
      expect(e.message).toContain(message);
    }
    expect(made(dir)).toEqual([]);
  });

  it("refuses names of workers and tasks the graph does not call, giving the closest", async () => {
    const { dir, workers, root } = setup();
    let e = await refusal(
      run(g, { a: 1, b: 2 }, { root, workers, executors: { typo_worker: "shell", default: "auto" } }),
    );
    expect(e.problems).toEqual(["executor for 'typo_worker': the graph has no worker 'typo_worker' (closest: 'calc')"]);
    e = await refusal(run(g, { a: 1, b: 2 }, { root, workers, timeouts: { "calc.typo": 1, calc: 2, "calc.add": 3 } }));
    expect(e.problems).toEqual([
      "timeout for 'calc.typo': the graph has no task or worker 'calc.typo' (closest: 'calc.add')",
    ]);
    e = await refusal(run(g, { a: 1, b: 2 }, { root, workers, timeouts: { clac: 1 } }));
    expect(e.problems).toEqual(["timeout for 'clac': the graph has no task or worker 'clac' (closest: 'calc')"]);
    expect(made(dir)).toEqual([]);
  });

  it("names of tasks inside map bodies are known", async () => {
    const { workers, root } = setup();
    const double = intTask("twice", "double", ["x"] as const);
    const body = graph({ inputs: { x: t.int32 }, output: { x: t.int32 } });
    body.output({ x: body.task(double({ x: body.inputs.x })) });
    const m = graph({ inputs: { xs: t.list(t.int32) }, output: t.list(t.int32) });
    m.output(m.map(body, { x: m.each(m.inputs.xs) }).x);
    const e = await refusal(run(m, { xs: [1] }, { root, workers, timeouts: { "twice.doubel": 1 } }));
    expect(e.problems).toEqual([
      "timeout for 'twice.doubel': the graph has no task or worker 'twice.doubel' (closest: 'twice.double')",
    ]);
  });

  it("resume checks the options it is given against the stored graph", async () => {
    const { workers, root } = setup();
    const out = await run(g, { a: 1, b: 2 }, { root, workflowId: "r", workers });
    expect(out.value).toBe(3);
    const e = await refusal(resume(join(root, "r"), { timeout: -1, executors: { calk: "shell" } }));
    expect(e.problems).toEqual([
      "timeout: -1 is not a time limit (expected seconds from 0.001 to 2147483)",
      "executor for 'calk': the graph has no worker 'calk' (closest: 'calc')",
    ]);
  });
});

describe("run options (CLI)", () => {
  const runCli = (extra: string[]) => {
    const s = setup();
    const r = tw(
      "run",
      adderModule(s.dir),
      "-w",
      s.workers,
      "-i",
      '{"a": 1, "b": 2}',
      "--root",
      s.root,
      "--no-progress",
      ...extra,
    );
    return { ...r, made: made(s.dir) };
  };

  it.each([
    [["--id", "../../escape"], 'workflow id "../../escape": must be one folder name'],
    [["--id", ""], 'workflow id "": must be one folder name'],
    [["--id", "/tmp/abs"], 'workflow id "/tmp/abs": must be one folder name'],
    [["--timeout", "-1"], '--timeout: "-1" is not a time limit'],
    [["--timeout", "abc"], '--timeout: "abc" is not a time limit'],
    [["--timeout", "NaN"], '--timeout: "NaN" is not a time limit'],
    [["--timeout", "0"], '--timeout: "0" is not a time limit'],
    [["-j", "0"], '--concurrency "0": expected a whole number >= 1'],
    [
      ["-e", "calc=bogus"],
      "--executor calc=bogus: \"bogus\" is not an executor kind (closest: 'node'; kinds: auto, shell, stdio, node, python, slurm)",
    ],
    [
      ["-e", "typo_worker=shell"],
      "executor for 'typo_worker': the graph has no worker 'typo_worker' (closest: 'calc')",
    ],
    [
      ["--task-timeout", "calc.typo=1"],
      "timeout for 'calc.typo': the graph has no task or worker 'calc.typo' (closest: 'calc.add')",
    ],
    [["--task-timeout", "calc.add=abc"], '--task-timeout calc.add=abc: "abc" is not a time limit'],
  ])("refuses %j before writing anything", (extra, message) => {
    const r = runCli(extra);
    expect(r.stderr).toContain(message);
    expect(r.status).toBe(1);
    expect(r.made).toEqual([]);
  });
});

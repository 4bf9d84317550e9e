// Python workers the Tierkreis way, run for real with a stdlib-only worker following the contract:
// multi-port results, bytes, big integers, floats, a failing task, a crashing worker; each way of
// finding the interpreter (uv, the project's .venv, a configured python) where it exists here.
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { graph, run, TaskFailedError } from "../../src/graph/index.js";
import { onPath, pythonCommand } from "../../src/graph/executors/python.js";
import { poolOptions, PoolConfigError } from "../../src/pool/index.js";
import { t } from "../../src/runtime/index.js";
import { py, tempDir, workersCopy } from "./support.js";

const python3 = onPath("python3")!;

/** The `_kind` of every task folder of a run. */
function kinds(runDir: string): string[] {
  return readdirSync(runDir)
    .filter((d) => existsSync(join(runDir, d, "definition")))
    .map((d) => readFileSync(join(runDir, d, "_kind"), "utf8"));
}

function valuesGraph() {
  const g = graph({
    inputs: { a: t.integer, b: t.integer, data: t.bytes, x: t.float64 },
    output: { q: t.integer, r: t.integer, rev: t.bytes, sq: t.integer, half: t.float64 },
  });
  const d = g.task(py.divmod({ a: g.inputs.a, b: g.inputs.b }));
  const sq = g.task(py.square({ n: d.q }));
  g.output({
    q: d.q,
    r: d.r,
    rev: g.task(py.reverse({ data: g.inputs.data })),
    sq,
    half: g.task(py.half({ x: g.inputs.x })),
  });
  return g;
}

async function failure(p: Promise<unknown>): Promise<TaskFailedError> {
  const e = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(e).toBeInstanceOf(TaskFailedError);
  return e as TaskFailedError;
}

describe("python workers", () => {
  it("runs main.py with a configured python: ports, bytes, big ints, floats", async () => {
    const workers = workersCopy();
    const g = valuesGraph();
    const pool = await poolOptions(
      { workers: { pycalc: { kind: "python", python: python3, uv: false } } },
      { graph: g, workers },
    );
    const root = tempDir();
    const big = 2n ** 70n + 1n;
    const r = await run(
      g,
      { a: big, b: 7n, data: new Uint8Array([0, 1, 255]), x: 3 },
      { root, workflowId: "v", ...pool },
    );
    expect(r.value.q).toBe(big / 7n);
    expect(r.value.r).toBe(big % 7n);
    expect(r.value.sq).toBe((big / 7n) ** 2n);
    expect([...r.value.rev]).toEqual([255, 1, 0]);
    expect(r.value.half).toBe(1.5);
    // The kind that ran each task is beside its checkpoints, for `status`.
    expect(kinds(join(root, "v"))).toEqual(["python", "python", "python", "python"]);
  });

  it("prefers the project's .venv interpreter over the configured python", async () => {
    const workers = workersCopy();
    mkdirSync(join(workers, "pycalc", ".venv", "bin"), { recursive: true });
    symlinkSync(python3, join(workers, "pycalc", ".venv", "bin", "python"));
    expect(pythonCommand(join(workers, "pycalc"), { uv: false, python: "no-such-python" }).via).toBe("venv");
    const g = graph({ inputs: { x: t.float64 }, output: t.float64 });
    g.output(g.task(py.half({ x: g.inputs.x })));
    const pool = await poolOptions(
      { default: { kind: "python", python: "no-such-python", uv: false } },
      { graph: g, workers },
    );
    expect((await run(g, { x: 1e16 }, { root: tempDir(), ...pool })).value).toBe(5e15);
  });

  it("uses uv where it is installed", async (ctx) => {
    if (!onPath("uv")) {
      console.warn("uv is not installed on this machine: the uv path is not run (the .venv and python paths are)");
      ctx.skip();
    }
    expect(pythonCommand(join(workersCopy(), "pycalc")).via).toBe("uv");
  });

  it("auto finds main.py and runs it as a Python worker", async () => {
    const workers = workersCopy();
    const g = graph({ inputs: { n: t.integer }, output: t.integer });
    g.output(g.task(py.square({ n: g.inputs.n })));
    const pool = await poolOptions({ default: { kind: "auto" } }, { graph: g, workers });
    const root = tempDir();
    expect((await run(g, { n: 12n }, { root, workflowId: "a", ...pool })).value).toBe(144n);
    expect(kinds(join(root, "a"))).toEqual(["python"]);
  });

  it("runs as executors: { w: 'python' } and is found by plain auto, without a pool file", async () => {
    const workers = workersCopy();
    const g = graph({ inputs: { n: t.integer }, output: t.integer });
    g.output(g.task(py.square({ n: g.inputs.n })));
    expect((await run(g, { n: 5n }, { root: tempDir(), workers, executors: { pycalc: "python" } })).value).toBe(25n);
    expect((await run(g, { n: 6n }, { root: tempDir(), workers })).value).toBe(36n);
  });

  it("runs a map of Python tasks (the map's built-in tasks need no entry)", async () => {
    const workers = workersCopy();
    const body = graph({ inputs: { n: t.integer }, output: t.integer });
    body.output(body.task(py.square({ n: body.inputs.n })));
    const g = graph({ inputs: { ns: t.list(t.integer) }, output: t.list(t.integer) });
    g.output(g.map(body, { n: g.each(g.inputs.ns) }));
    const pool = await poolOptions({ workers: { pycalc: { kind: "python", uv: false } } }, { graph: g, workers });
    expect((await run(g, { ns: [1n, 2n, 3n] }, { root: tempDir(), ...pool })).value).toEqual([1n, 4n, 9n]);
  });

  it("a task that raises fails with its message; a crash with its status and stderr", async () => {
    const workers = workersCopy();
    const one = (tk: typeof py.fail) => {
      const g = graph({ inputs: { n: t.int32 }, output: t.int32 });
      g.output(g.task(tk({ n: g.inputs.n })));
      return g;
    };
    const pool = await poolOptions({ default: { kind: "python", uv: false } }, { workers });
    const failed = await failure(run(one(py.fail), { n: 5 }, { root: tempDir(), ...pool }));
    expect(failed.message).toMatch(/pycalc\.fail/);
    expect(failed.message).toMatch(/ValueError: cannot take 5/);
    const crashed = await failure(run(one(py.crash), { n: 1 }, { root: tempDir(), ...pool }));
    expect(crashed.message).toMatch(/exited with status 3/);
    expect(crashed.message).toMatch(/about to crash/);
    const lazy = await failure(run(one(py.lazy), { n: 1 }, { root: tempDir(), ...pool }));
    expect(lazy.message).toMatch(/without marking the task done/);
  });

  it("a missing interpreter is an error at its entry before anything runs", async () => {
    const workers = workersCopy();
    const dir = tempDir();
    const file = join(dir, "workers.yaml");
    writeFileSync(file, `workers:\n  pycalc:\n    kind: python\n    uv: false\n    python: /nope/python3\n`);
    const g = graph({ inputs: { n: t.integer }, output: t.integer });
    g.output(g.task(py.square({ n: g.inputs.n })));
    const e = await poolOptions(file, { graph: g, workers }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(PoolConfigError);
    expect((e as Error).message).toContain(`${file}:3:11: pycalc: no Python interpreter`);
    expect((e as Error).message).toContain("'/nope/python3' is not an executable");
    expect(existsSync(join(dir, "runs"))).toBe(false);
  });
});

// Persistent workers with real processes: a TypeScript SDK worker (unchanged handlers, served
// because it was started with --persistent) and a stdlib-only Python implementation of the same
// protocol. Graph runs check results and instance reuse; direct executor calls check every way an
// instance can fail and that nothing it started survives.
import { spawn } from "node:child_process";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { graph, persistentExecutor, run, TaskFailedError } from "../../src/graph/index.js";
import { t, type Task } from "../../src/runtime/index.js";
import { childEnv } from "../support/project.js";
import {
  commandLine,
  descendants,
  eventually,
  fixtures,
  isAlive,
  launchFor,
  outputOf,
  persistentProject,
} from "./support.js";

/** What the tests use of the tasks of the stubs generated from test/fixtures/persistent/project/main.tsp. */
interface Stubs {
  add: Task<{ a: number; b: number }, number, "value">;
  whoami: Task<{ tag: number }, number, "value">;
  fail: Task<{ x: number }, number, "value">;
  stats: Task<
    { n: bigint; data: Uint8Array },
    { count: bigint; big: bigint; ratio: number; blob: Uint8Array; label: string },
    "ports"
  >;
}

let project: string;
let workers: string;
let pw: Stubs;
let py: Stubs;

beforeAll(async () => {
  project = await persistentProject();
  workers = join(project, "workers");
  pw = (await import(join(workers, "pw_worker/stubs.ts"))).pwWorker.tasks;
  py = (await import(join(workers, "py_worker/stubs.ts"))).pyWorker.tasks;
}, 120_000);

function mapGraph(s: Stubs) {
  const one = graph({ inputs: { x: t.int32 }, output: { sum: t.int32, pid: t.int32 } });
  one.output({
    sum: one.task(s.add({ a: one.inputs.x, b: one.const(100) })),
    pid: one.task(s.whoami({ tag: one.inputs.x })),
  });
  const g = graph({ inputs: { xs: t.list(t.int32) }, output: { sums: t.list(t.int32), pids: t.list(t.int32) } });
  const m = g.map(one, { x: g.each(g.inputs.xs) });
  g.output({ sums: m.sum, pids: m.pid });
  return g;
}

describe.each([
  ["TypeScript SDK", "pw"],
  ["Python", "py"],
])("persistent %s worker in a graph", (_label, which) => {
  it("serves a map from at most `instances` processes and stops them at the end", async () => {
    const stubs = which === "pw" ? pw : py;
    const xs = Array.from({ length: 30 }, (_, i) => i);
    const executor = persistentExecutor({ workers, instances: 2 });
    const result = await run(
      mapGraph(stubs),
      { xs },
      { root: join(project, `runs-${which}`), executors: { default: executor } },
    );
    const { sums, pids: ran } = result.value as { sums: number[]; pids: number[] };
    expect(sums).toEqual(xs.map((x) => x + 100));
    const pids = new Set(ran);
    expect(pids.size).toBeGreaterThanOrEqual(1);
    expect(pids.size).toBeLessThanOrEqual(2);
    expect(pids.has(process.pid)).toBe(false);
    // The run closed the executor: every instance is gone.
    for (const pid of pids) await eventually(() => !isAlive(pid), `instance ${pid} stopped`);
  });

  it("carries big ints, floats, bytes and non-ASCII strings through its ports", async () => {
    const stubs = which === "pw" ? pw : py;
    const g = graph({
      inputs: { n: t.int64, data: t.bytes },
      output: { count: t.int64, big: t.int64, ratio: t.float64, blob: t.bytes, label: t.string },
    });
    const s = g.task(stubs.stats({ n: g.inputs.n, data: g.inputs.data }));
    g.output({ count: s.count, big: s.big, ratio: s.ratio, blob: s.blob, label: s.label });
    const data = new Uint8Array([0, 255, 10, 13, 0x80]);
    const n = 3037000499n; // n² is beyond 2^53 and within int64
    const result = await run(
      g,
      { n, data },
      { root: join(project, `types-${which}`), executors: { default: persistentExecutor({ workers, instances: 1 }) } },
    );
    const v = result.value as { count: bigint; big: bigint; ratio: number; blob: Uint8Array; label: string };
    expect(v.count).toBe(n);
    expect(v.big).toBe(n * n);
    expect(v.ratio).toBe(Number(n) / 3);
    expect([...v.blob]).toEqual([...data]);
    expect(v.label).toBe(`h\u00e9 ${n}`);
  });

  it("fails the run with the task's own error when a handler throws", async () => {
    const stubs = which === "pw" ? pw : py;
    const g = graph({ inputs: { x: t.int32 }, output: t.int32 });
    g.output(g.task(stubs.fail({ x: g.inputs.x })));
    const err = await run(
      g,
      { x: 7 },
      { root: join(project, `fail-${which}`), executors: { default: persistentExecutor({ workers }) } },
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TaskFailedError);
    expect((err as Error).message).toMatch(/fail/);
    expect((err as Error).message).toContain("fail was asked to fail with 7");
  });
});

describe("checkpoints and resume", () => {
  it("a finished run resumed with a persistent worker runs nothing again and gives the same value", async () => {
    const root = join(project, "resume");
    const g = graph({ inputs: { xs: t.list(t.int32), x: t.int32 }, output: { sums: t.list(t.int32), pid: t.int32 } });
    const one = graph({ inputs: { x: t.int32 }, output: t.int32 });
    one.output(one.task(pw.add({ a: one.inputs.x, b: one.const(100) })));
    const sums = g.map(one, { x: g.each(g.inputs.xs) });
    g.output({ sums, pid: g.task(pw.whoami({ tag: g.inputs.x })) });
    const first = await run(
      g,
      { xs: [1, 2, 3], x: 0 },
      { root, workflowId: "r", executors: { default: persistentExecutor({ workers }) } },
    );
    expect(first.tasksRun).toBeGreaterThan(0);
    const again = await run(
      g,
      { xs: [1, 2, 3], x: 0 },
      { root, workflowId: "r", resume: true, executors: { default: persistentExecutor({ workers }) } },
    );
    expect(again.value).toEqual(first.value);
    expect(again.tasksRun).toBe(0);
    expect(again.tasksCached).toBeGreaterThan(0);
  });
});

describe("persistent executor, driven directly", () => {
  it("replaces an instance that dies mid-task, failing only that task with its status and stderr", async () => {
    for (const worker of ["pw_worker", "py_worker"]) {
      const root = join(project, `crash-${worker}`);
      const ex = persistentExecutor({ workers, instances: 1 });
      try {
        const who1 = launchFor(root, worker, "whoami", { tag: "1" });
        expect(await ex.run(who1)).toEqual({ ok: true });
        const first = Number(outputOf(who1));

        const crash = await ex.run(launchFor(root, worker, "crash", { code: "3" }));
        expect(crash.ok).toBe(false);
        if (crash.ok) continue;
        expect(crash.reason).toContain(
          `persistent worker instance (pid ${first}) exited with status 3 while running the task`,
        );
        if (worker === "py_worker") expect(crash.stderrTail).toContain("crashing on purpose");
        await eventually(() => !isAlive(first), "the crashed instance is gone");

        const who2 = launchFor(root, worker, "whoami", { tag: "2" });
        expect(await ex.run(who2)).toEqual({ ok: true });
        const second = Number(outputOf(who2));
        expect(second).not.toBe(first);
      } finally {
        await ex.close();
      }
    }
  });

  it("stops a hung instance at the task's time limit and serves the next task from a new one", async () => {
    const root = join(project, "hang");
    const ex = persistentExecutor({ workers, instances: 1 });
    try {
      const who = launchFor(root, "pw_worker", "whoami", { tag: "1" });
      await ex.run(who);
      const pid = Number(outputOf(who));
      const hung = await ex.run(launchFor(root, "pw_worker", "hang", { x: "1" }, { timeoutMs: 500 }));
      expect(hung).toMatchObject({ ok: false, reason: "timed out after 0.5 s" });
      await eventually(() => !isAlive(pid), "the hung instance is gone");
      const add = launchFor(root, "pw_worker", "add", { a: "2", b: "3" });
      expect(await ex.run(add)).toEqual({ ok: true });
      expect(outputOf(add)).toBe("5");
    } finally {
      await ex.close();
    }
  });

  it("stops a task whose run was stopped while its instance was still starting", async () => {
    const root = join(project, "abort-while-starting");
    const ex = persistentExecutor({ workers, instances: 1 });
    try {
      const ac = new AbortController();
      const hung = ex.run(launchFor(root, "pw_worker", "hang", { x: "1" }, { signal: ac.signal }));
      ac.abort(); // the instance has not said hello yet
      // Bounded: before the fix the task was sent after the abort and hung for ever.
      const bound = new Promise<"hung">((r) => setTimeout(() => r("hung"), 20_000).unref());
      expect(await Promise.race([hung, bound])).toMatchObject({ ok: false, reason: expect.stringMatching(/stopped/) });
    } finally {
      await ex.close();
    }
  });

  it("keeps the handlers' stdout off the protocol channel and their stderr with the task", async () => {
    const root = join(project, "noisy");
    const ex = persistentExecutor({ workers, instances: 1 });
    try {
      const noisy = launchFor(root, "pw_worker", "noisy", { x: "4" });
      expect(await ex.run(noisy)).toEqual({ ok: true });
      expect(outputOf(noisy)).toBe("4");
      const errors = readFileSync(join(noisy.nodeDir, "errors"), "utf8");
      expect(errors).toContain("stray stdout line 4");
      expect(errors).toContain("stderr line 4");
      // The instance still answers.
      const add = launchFor(root, "pw_worker", "add", { a: "1", b: "1" });
      expect(await ex.run(add)).toEqual({ ok: true });
    } finally {
      await ex.close();
    }
  });

  it("leaves nothing running that an instance started once the executor is closed", async () => {
    const root = join(project, "orphan");
    const ex = persistentExecutor({ workers, instances: 1 });
    const orphan = launchFor(root, "pw_worker", "orphan", { x: "1" });
    expect(await ex.run(orphan)).toEqual({ ok: true });
    const child = Number(outputOf(orphan));
    expect(isAlive(child)).toBe(true);
    await ex.close();
    await eventually(() => !isAlive(child), `the instance's child ${child} is gone`);
  });

  it("refuses a worker that speaks another protocol version, naming both", async () => {
    const root = join(project, "future");
    const ex = persistentExecutor({ commands: { future: ["python3", join(fixtures, "future_worker.py")] } });
    try {
      const r = await ex.run(launchFor(root, "future", "add", { a: "1", b: "1" }));
      expect(r.ok).toBe(false);
      if (!r.ok)
        expect(r.reason).toContain(
          "speaks typespec-workers/persistent version 2; this controller speaks typespec-workers/persistent version 1",
        );
    } finally {
      await ex.close();
    }
  });

  it("fails within the readiness bound when a worker never says hello, with its stderr", async () => {
    const root = join(project, "silent");
    const ex = persistentExecutor({
      commands: { silent: ["python3", join(fixtures, "silent_worker.py")] },
      readyTimeoutMs: 3000,
    });
    try {
      const r = await ex.run(launchFor(root, "silent", "add", { a: "1", b: "1" }));
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.reason).toContain("did not say hello within 3 s");
        expect(r.reason).toContain("loading a very large model");
      }
    } finally {
      await ex.close();
    }
  });

  it("names every place it looked when a worker has no program", async () => {
    const ex = persistentExecutor({ workers });
    const r = await ex.run(launchFor(join(project, "missing"), "nobody", "add", {}));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/worker 'nobody' not found: .*nobody\/main\.py/);
    await ex.close();
  });
});

describe("a controller stopped by a signal", () => {
  it.each(["SIGTERM", "SIGINT"] as const)(
    "stops every instance, every server and what they started on %s",
    async (signal) => {
      copyFileSync(join(fixtures, "kv_service.ts"), join(workers, "kv_worker/main.ts"));
      copyFileSync(join(fixtures, "kv_server.py"), join(project, "kv_server.py"));
      const script = join(project, "stop-on-signal.ts");
      writeFileSync(script, readFileSync(join(fixtures, "stop-on-signal.ts"), "utf8"));
      const child = spawn(process.execPath, [script, workers, join(project, `signal-${signal}`)], {
        env: childEnv,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      child.stdout.on("data", (c: Buffer) => (out += c.toString()));
      child.stderr.on("data", (c: Buffer) => (out += c.toString()));
      let code: number | null | undefined;
      const exited = new Promise<void>((r) => child.on("exit", (c) => r(void (code = c))));
      // The graph's first task records the instance's child; then every instance hangs.
      await eventually(() => out.includes("hanging"), "the run reached its hanging tasks", 30_000);
      const below = descendants(child.pid!);
      // Two instances, their two background processes, and the service's server.
      expect(below.length).toBeGreaterThanOrEqual(5);
      expect(below.some((pid) => commandLine(pid).includes("kv_server.py"))).toBe(true);
      expect(code, `the run ended before it was stopped:\n${out}`).toBeUndefined();
      child.kill(signal);
      await exited;
      for (const pid of below) await eventually(() => !isAlive(pid), `process ${pid} started by the run is gone`);
      expect(out).toContain("the run was stopped");
    },
  );
});

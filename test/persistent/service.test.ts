// Services with real processes: a worker that starts its own HTTP server (bring your own server)
// and a backendless worker talking to a server the test started, run controller-side and, for the
// first, worker-side inside a persistent instance.
import { spawn, type ChildProcess } from "node:child_process";
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graph, persistentExecutor, run, serviceExecutor, TaskFailedError } from "../../src/graph/index.js";
import { defineService, t, type ServiceImpl, type Task, type WorkerStub } from "../../src/runtime/index.js";
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

interface KvHandlers {
  put(inputs: { key: string; value: string }): string | Promise<string>;
  get(inputs: { key: string }): string | Promise<string>;
  server_pid(inputs: { x: number }): number | Promise<number>;
  crash_server(inputs: { x: number }): number | Promise<number>;
  slow(inputs: { x: number }): number | Promise<number>;
}
type Str = typeof t.string;
type Int = typeof t.int32;
/** What the tests use of the stubs generated for kv_worker (its `kvWorker`). */
type KvWorker = WorkerStub<{
  put: { inputs: { key: Str; value: Str }; output: Str };
  get: { inputs: { key: Str }; output: Str };
  server_pid: { inputs: { x: Int }; output: Int };
  crash_server: { inputs: { x: Int }; output: Int };
  slow: { inputs: { x: Int }; output: Int };
}>;
interface KvStubs {
  kv_worker: KvWorker;
  put: Task<{ key: string; value: string }, string, "value">;
  get: Task<{ key: string }, string, "value">;
  server_pid: Task<{ x: number }, number, "value">;
  slow: Task<{ x: number }, number, "value">;
}
interface KvClient {
  call(method: string, path: string, body?: string): Promise<string>;
}

let project: string;
let workers: string;
let kv: KvStubs;
let loads = 0;
/** The service module, loaded afresh from a copy (it reads KV_* variables when it is loaded). */
async function loadService(env: Record<string, string> = {}): Promise<ServiceImpl<KvHandlers>> {
  const copy = join(workers, `kv_worker/copy-${loads++}.ts`);
  copyFileSync(join(workers, "kv_worker/main.ts"), copy);
  Object.assign(process.env, env);
  try {
    return ((await import(copy)) as { default: ServiceImpl<KvHandlers> }).default;
  } finally {
    for (const k of Object.keys(env)) delete process.env[k];
  }
}

beforeAll(async () => {
  project = await persistentProject();
  workers = join(project, "workers");
  copyFileSync(join(fixtures, "kv_service.ts"), join(workers, "kv_worker/main.ts"));
  copyFileSync(join(fixtures, "kv_server.py"), join(project, "kv_server.py"));
  const { kvWorker } = (await import(join(workers, "kv_worker/stubs.ts"))) as { kvWorker: KvWorker };
  kv = { kv_worker: kvWorker, ...kvWorker.tasks };
}, 120_000);

function putGetGraph() {
  const g = graph({
    inputs: { a: t.string, b: t.string },
    output: { a: t.string, b: t.string, pid1: t.int32, pid2: t.int32 },
  });
  const ka = g.task(kv.put({ key: g.const("a"), value: g.inputs.a }));
  const kb = g.task(kv.put({ key: g.const("b"), value: g.inputs.b }));
  g.output({
    a: g.task(kv.get({ key: ka })),
    b: g.task(kv.get({ key: kb })),
    pid1: g.task(kv.server_pid({ x: g.const(1) })),
    pid2: g.task(kv.server_pid({ x: g.const(2) })),
  });
  return g;
}

describe("bring your own server", () => {
  it("starts one server for all tasks controller-side and stops it when the run ends", async () => {
    const service = await loadService();
    const result = await run(
      putGetGraph(),
      { a: "apple", b: "b\u00e9 $(x)" },
      { root: join(project, "byo"), executors: { default: serviceExecutor(service) } },
    );
    const v = result.value as { a: string; b: string; pid1: number; pid2: number };
    expect(v.a).toBe("apple");
    expect(v.b).toBe("b\u00e9 $(x)");
    expect(v.pid1).toBe(v.pid2);
    await eventually(() => !isAlive(v.pid1), `server ${v.pid1} stopped after the run`);
  });

  it("runs worker-side in a persistent instance, the same file started with --persistent", async () => {
    const ex = persistentExecutor({ workers, instances: 1 });
    const result = await run(
      putGetGraph(),
      { a: "x", b: "y" },
      { root: join(project, "byo-persistent"), executors: { default: ex } },
    );
    const v = result.value as { a: string; b: string; pid1: number };
    expect([v.a, v.b]).toEqual(["x", "y"]);
    await eventually(() => !isAlive(v.pid1), `server ${v.pid1} stopped with its instance`);
  });

  it("fails the tasks of a server that crashes, naming it, and starts it again for the next task", async () => {
    const service = await loadService();
    const ex = serviceExecutor(service);
    const root = join(project, "crash");
    try {
      const pid1 = launchFor(root, "kv_worker", "server_pid", { x: "1" });
      expect(await ex.run(pid1)).toEqual({ ok: true });
      const first = Number(outputOf(pid1));
      const crash = await ex.run(launchFor(root, "kv_worker", "crash_server", { x: "1" }));
      expect(crash.ok).toBe(false);
      if (!crash.ok) {
        expect(crash.reason).toMatch(
          /crash_server: .*server 'python3 .*kv_server\.py' \(pid \d+\) exited with status 7/s,
        );
        expect(crash.reason).toContain("kv_server: crashing as asked");
      }
      const pid2 = launchFor(root, "kv_worker", "server_pid", { x: "2" });
      expect(await ex.run(pid2)).toEqual({ ok: true });
      expect(Number(outputOf(pid2))).not.toBe(first);
    } finally {
      await ex.close?.();
    }
  });

  it("fails within the readiness bound when the server never becomes ready, and stops it", async () => {
    const service = await loadService({ KV_SERVER_ARGS: "--never-ready", KV_READY_MS: "1500" });
    const g = graph({ inputs: { x: t.int32 }, output: t.int32 });
    g.output(g.task(kv.server_pid({ x: g.inputs.x })));
    const err = await run(
      g,
      { x: 1 },
      { root: join(project, "never"), executors: { default: serviceExecutor(service) } },
    ).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(TaskFailedError);
    expect(err!.message).toContain("kv_worker: the service was not ready within 1.5 s");
    expect(err!.message).toMatch(/did not become ready \(waited for a line matching \/listening on/);
    expect(err!.message).toContain("waiting for a licence that never comes");
    // The server this test's process started is gone.
    const servers = () => descendants(process.pid).filter((pid) => commandLine(pid).includes("--never-ready"));
    await eventually(() => servers().length === 0, "the never-ready server was stopped");
  });
});

describe("backendless", () => {
  let server: ChildProcess;
  let port: number;

  beforeAll(async () => {
    server = spawn("python3", [join(fixtures, "kv_server.py")], { stdio: ["ignore", "pipe", "inherit"] });
    port = await new Promise<number>((resolve, reject) => {
      server.stdout!.on("data", (c: Buffer) => {
        const m = /listening on (\d+)/.exec(c.toString());
        if (m) resolve(Number(m[1]));
      });
      server.on("exit", (code) => reject(new Error(`kv_server exited with ${code}`)));
    });
  });
  afterAll(() => void server.kill());

  function backendless(concurrency?: number) {
    return defineService(kv.kv_worker, {
      connect: (): KvClient => ({
        async call(method, path, body) {
          const r = await fetch(`http://127.0.0.1:${port}${path}`, { method, ...(body !== undefined ? { body } : {}) });
          const text = await r.text();
          if (!r.ok) throw new Error(`the service answered ${r.status}: ${text}`);
          return text;
        },
      }),
      ...(concurrency !== undefined ? { concurrency } : {}),
      handlers: {
        put: ({ key, value }, c) => c.call("PUT", `/kv/${key}`, value),
        get: ({ key }, c) => c.call("GET", `/kv/${key}`),
        server_pid: async (_i, c) => Number(await c.call("GET", "/pid")),
        crash_server: async () => 0,
        slow: async ({ x }, c) => {
          await c.call("GET", "/slow");
          return x;
        },
      },
    });
  }

  it("runs tasks against an existing service, at most `concurrency` at once", async () => {
    const g = graph({ inputs: { xs: t.list(t.int32) }, output: t.list(t.int32) });
    const one = graph({ inputs: { x: t.int32 }, output: t.int32 });
    one.output(one.task(kv.slow({ x: one.inputs.x })));
    g.output(g.map(one, { x: g.each(g.inputs.xs) }));
    const xs = [1, 2, 3, 4, 5, 6, 7, 8];
    const result = await run(
      g,
      { xs },
      { root: join(project, "backendless"), concurrency: 8, executors: { default: serviceExecutor(backendless(2)) } },
    );
    expect(result.value).toEqual(xs);
    const most = Number(await (await fetch(`http://127.0.0.1:${port}/stats`)).text());
    expect(most).toBeGreaterThanOrEqual(1);
    expect(most).toBeLessThanOrEqual(2);
    // The service itself is not ours to stop.
    expect(isAlive(server.pid!)).toBe(true);
  });

  it("fails a task the service refuses, with the service's answer", async () => {
    const g = graph({ inputs: { v: t.string }, output: t.string });
    g.output(g.task(kv.put({ key: g.const("refuse"), value: g.inputs.v })));
    const err = await run(
      g,
      { v: "x" },
      { root: join(project, "refused"), executors: { default: serviceExecutor(backendless()) } },
    ).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(TaskFailedError);
    expect(err!.message).toContain("the service answered 503: refused: the service is over quota");
  });
});

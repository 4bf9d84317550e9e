/**
 * Whole graphs run by the controller with a worker on Slurm: the signing graph with the openssl
 * worker as Slurm jobs, a failing task, and runs that stop (a failed map element, the user
 * interrupting) leaving no job pending or running.
 */
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { graph, run, TaskFailedError } from "../../src/graph/index.js";
import { SlurmExecutor } from "../../src/graph/executors/slurm.js";
import { t, task, type Task } from "../../src/runtime/index.js";
import { genrsa } from "../graph/fixtures/stubs.js";
import { authImpl } from "../graph/fixtures/math-impl.js";
import { signing } from "../graph/fixtures/typed-graph.js";
import { jobStates, liveJobs, sandbox, startCluster, waitFor } from "./cluster.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const fixtureWorkers = join(repo, "test/graph/fixtures/workers");
const cluster = startCluster();

/** The sandbox launcher's `sleep` task: sleeps its input's number of seconds. */
const sleepTask = task({
  worker: "test_worker",
  name: "sleep",
  inputs: [{ name: "value", type: t.int32 }],
  outputs: [{ name: "value", type: t.int32 }],
  shape: "value",
}) as Task<{ value: number }, number, "value">;

/** A graph mapping `sleep` over a list of seconds. */
function sleepMap() {
  const body = graph({ inputs: { value: t.int32 }, output: t.int32 });
  body.output(body.task(sleepTask({ value: body.inputs.value })));
  const g = graph({ inputs: { seconds: t.list(t.int32) }, output: t.list(t.int32) });
  g.output(g.map(body, { value: g.each(g.inputs.seconds) }));
  return g;
}

describe.skipIf(!cluster.up)("graphs with a worker on Slurm", () => {
  it("runs the signing graph with the openssl worker as Slurm jobs", async () => {
    const root = sandbox("signing").root;
    const jobs: string[] = [];
    const slurm = new SlurmExecutor({
      workersDir: fixtureWorkers,
      pollIntervalMs: 250,
      onSubmit: (id) => jobs.push(id),
    });
    const r = await run(
      signing,
      { message: "hi" },
      {
        root,
        workflowId: "sig",
        workers: fixtureWorkers,
        executors: { openssl_worker: slurm, auth_worker: authImpl },
      },
    );
    expect(r.value).toBe(true);
    expect(jobs).toHaveLength(1);
    await waitFor("the job to complete", () => jobStates(jobs).get(jobs[0]!) === "COMPLETED", 10_000);
    const node = join(root, "sig/-.N3");
    expect(readFileSync(join(node, "outputs/private_key"), "utf8")).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    expect(readFileSync(join(node, "job.sh"), "utf8")).toContain("export function_name='genrsa'\n");
  });

  it("fails the run with the task, its reason and stderr when its job fails", async () => {
    const root = sandbox("signing-fails").root;
    const g = graph({ inputs: {}, output: { public_key: t.bytes } });
    const keys = g.task(genrsa({ numbits: g.const(12), passphrase: g.const(new TextEncoder().encode("pw")) }));
    g.output({ public_key: keys.public_key });
    const slurm = new SlurmExecutor({ workersDir: fixtureWorkers, pollIntervalMs: 250 });
    const e = await run(g, {}, { root, workers: fixtureWorkers, executors: { openssl_worker: slurm } }).catch(
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(TaskFailedError);
    const f = e as TaskFailedError;
    expect(f.task).toBe("openssl_worker.genrsa");
    expect(f.reason).toMatch(/^exited with status 1 \(Slurm job \d+\)$/);
    expect(f.stderrTail).toMatch(/genpkey/);
  });

  it("cancels the other jobs when one map element fails: nothing is left running", async () => {
    const box = sandbox("map-fails");
    const jobs: string[] = [];
    const slurm = new SlurmExecutor({
      workersDir: box.workersDir,
      pollIntervalMs: 250,
      onSubmit: (id) => jobs.push(id),
    });
    // Element 2 sleeps for a negative time: sleep fails at once; the others would sleep 2 minutes.
    const e = await run(
      sleepMap(),
      { seconds: [120, 120, -1, 120] },
      {
        root: box.root,
        workers: box.workersDir,
        executors: { test_worker: slurm },
        // Slurm queues what it cannot run yet: hand it every element at once.
        concurrency: 16,
      },
    ).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TaskFailedError);
    expect((e as TaskFailedError).reason).toMatch(/^exited with status 1 \(Slurm job \d+\)$/);
    expect(jobs.length).toBeGreaterThanOrEqual(3);
    expect(liveJobs(jobs)).toEqual([]);
  });

  it("cancels pending and running jobs when the user interrupts the run", async () => {
    const box = sandbox("interrupt");
    const jobs: string[] = [];
    const slurm = new SlurmExecutor({
      workersDir: box.workersDir,
      pollIntervalMs: 250,
      onSubmit: (id) => jobs.push(id),
    });
    const interrupt = new AbortController();
    const running = run(
      sleepMap(),
      { seconds: [120, 120, 120, 120] },
      {
        root: box.root,
        workers: box.workersDir,
        executors: { test_worker: slurm },
        concurrency: 16,
        signal: interrupt.signal,
      },
    ).catch((x: unknown) => x);
    await waitFor("jobs to run", () => jobs.length === 4 && [...jobStates(jobs).values()].includes("RUNNING"), 60_000);
    interrupt.abort();
    const e = await running;
    expect(e).toBeInstanceOf(Error);
    expect(liveJobs(jobs)).toEqual([]);
  });
});

/**
 * A persistent worker inside Slurm: each instance is a job step started with `srun`, serving many
 * tasks of the run; its results come back through the checkpoint files, and no job is left when
 * the run ends.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { graph, persistentExecutor, run } from "../../src/graph/index.js";
import { t, type Task } from "../../src/runtime/index.js";
import { persistentProject } from "../persistent/support.js";
import { startCluster } from "./cluster.js";

const cluster = startCluster();

describe.skipIf(!cluster.up)("persistent worker on Slurm", () => {
  it("serves a map from srun job steps and leaves no job behind", async () => {
    const project = await persistentProject();
    const workers = join(project, "workers");
    const stubs = (
      (await import(join(workers, "pw_worker/stubs.ts"))) as {
        pwWorker: {
          tasks: { add: Task<{ a: number; b: number }, number, "value">; job_id: Task<{ x: number }, string, "value"> };
        };
      }
    ).pwWorker.tasks;
    const one = graph({ inputs: { x: t.int32 }, output: { sum: t.int32, job: t.string } });
    one.output({
      sum: one.task(stubs.add({ a: one.inputs.x, b: one.const(1000) })),
      job: one.task(stubs.job_id({ x: one.inputs.x })),
    });
    const g = graph({ inputs: { xs: t.list(t.int32) }, output: { sums: t.list(t.int32), jobs: t.list(t.string) } });
    const m = g.map(one, { x: g.each(g.inputs.xs) });
    g.output({ sums: m.sum, jobs: m.job });
    const name = `tw-persistent-${process.pid}`;
    const executor = persistentExecutor({
      workers,
      instances: 2,
      wrap: ["srun", "--quiet", "--ntasks=1", `--job-name=${name}`],
      readyTimeoutMs: 60_000,
    });
    const xs = Array.from({ length: 20 }, (_, i) => i);
    const result = await run(g, { xs }, { root: join(project, "runs"), executors: { default: executor } });
    const { sums, jobs } = result.value as { sums: number[]; jobs: string[] };
    expect(sums).toEqual(xs.map((x) => x + 1000));
    // Every task ran inside a Slurm job; two instances are at most two jobs.
    expect(
      jobs.every((j) => /^\d+$/.test(j)),
      jobs.join(","),
    ).toBe(true);
    expect(new Set(jobs).size).toBeLessThanOrEqual(2);
    const left = execFileSync("squeue", ["-h", "-n", name, "-o", "%i %T"], { encoding: "utf8" }).trim();
    expect(left === "" || !/RUNNING|PENDING/.test(left), left).toBe(true);
  }, 180_000);
});

/**
 * `typespec-workers run -e <worker>=slurm`: a graph run from the command line with a worker's
 * tasks as Slurm jobs, the job resources from `--slurm`, and bad resource flags refused.
 */
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { taskModule } from "../graph/support.js";
import { tw } from "../support/cli.js";
import { sandbox, startCluster } from "./cluster.js";

const cluster = startCluster();

/** A graph module: the sandbox launcher's `upper` task on the graph input `value`. */
const graphModule = (dir: string) =>
  taskModule(dir, "upper", { worker: "test_worker", task: "upper", inputs: { value: "string" }, output: "string" });

/**
 * `typespec-workers run` of the `upper` graph with `-e <executor>` and `--slurm` resources, its jobs
 * tagged with a comment of their own; `jobs()` lists them (time limit, state, name).
 */
function runOnSlurm(name: string, executor: string, resources: string[], text: string) {
  const box = sandbox(name);
  const tag = `tw-cli-${randomUUID()}`;
  const slurm = [...resources, `sbatch=--comment=${tag}`].flatMap((r) => ["--slurm", r]);
  const r = tw(
    "run",
    graphModule(box.root),
    ...["-w", box.workersDir, "-e", executor, ...slurm],
    ...["-i", JSON.stringify({ value: text }), "--root", box.root, "--id", "run", "--no-progress"],
  );
  const jobs = () =>
    execFileSync("squeue", ["-h", "-t", "all", "-o", "%k|%l|%T|%j"], { encoding: "utf8" })
      .split("\n")
      .filter((l) => l.startsWith(`${tag}|`))
      .map((l) => l.slice(tag.length + 1));
  return { box, r, jobs };
}

describe.skipIf(!cluster.up)("typespec-workers run on Slurm", () => {
  it("runs a worker's tasks as jobs with the resources given by --slurm", () => {
    const { box, r, jobs } = runOnSlurm("cli", "test_worker=slurm", ["time=7"], "hello slurm");
    expect(r.stderr).not.toContain("error");
    // Results are shown as JSON.
    expect([r.status, r.stdout]).toEqual([0, '"HELLO SLURM"\n']);
    // The job Slurm ran is ours, with the time limit asked for (7 minutes).
    expect(jobs()).toEqual(["7:00|COMPLETED|test_worker.upper@-.N1"]);
    expect(existsSync(join(box.root, "run"))).toBe(true);
  });

  it("refuses resources Slurm would reject, naming the field, before anything runs", () => {
    const { box, r, jobs } = runOnSlurm("cli-bad", "default=slurm", ["memory=lots"], "x");
    expect([r.status, r.stderr]).toEqual([1, 'error: --slurm: memory "lots" is not a size such as 512M or 2G\n']);
    expect(jobs()).toEqual([]);
    expect(existsSync(join(box.root, "run"))).toBe(false);
  });
});

describe("--slurm flags", () => {
  it("names an unknown resource, and --slurm without a worker on Slurm", () => {
    const box = sandbox("cli-flags");
    const mod = graphModule(box.root);
    const unknown = tw(
      "run",
      mod,
      "-e",
      "default=slurm",
      "--slurm",
      "colour=red",
      "-i",
      '{"value": "x"}',
      "--root",
      box.root,
    );
    expect([unknown.status, unknown.stderr]).toEqual([
      1,
      "error: --slurm colour=red: expected cpus|memory|time|partition|account|nodes|ntasks|ntasksPerNode|gpus|sbatch|launch|modules=<value>\n",
    ]);
    const alone = tw("run", mod, "--slurm", "time=5", "-i", '{"value": "x"}', "--root", box.root);
    expect(alone.status).toBe(1);
    expect(alone.stderr).toContain("--slurm sets the resources of workers run on Slurm: add -e <worker>=slurm");
  });
});

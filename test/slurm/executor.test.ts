/**
 * SlurmExecutor against a real single-node Slurm cluster (started by scripts/slurm/start.sh).
 * Every test submits real jobs and checks what the real scheduler and files say afterwards.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, chmodSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { TaskResult } from "../../src/graph/executor.js";
import { SlurmExecutor, slurmQueue, type SlurmExecutorOptions } from "../../src/graph/executors/slurm.js";
import { jobStates, liveJobs, sandbox, startCluster, waitFor } from "./cluster.js";

const cluster = startCluster();

/**
 * Slurm counts time limits in minutes and checks them every 30 s or so, so a job over a 1-minute
 * limit ends 60-90 s after it starts. It is started before the other tests and checked last, so
 * the wait overlaps them (it takes one of the node's CPUs meanwhile).
 */
const overTime: { executor?: SlurmExecutor; result?: Promise<TaskResult>; job?: string } = {};
beforeAll(() => {
  if (!cluster.up) return;
  const box = sandbox("time-limit");
  overTime.executor = new SlurmExecutor({
    workersDir: box.workersDir,
    pollIntervalMs: 500,
    tasks: { "test_worker.sleep": { time: "1" } },
    onSubmit: (id) => (overTime.job = id),
  });
  overTime.result = overTime.executor.run(box.launch("sleep", "-.N1", "300"));
});
afterAll(async () => {
  await overTime.executor?.close();
});

describe.skipIf(!cluster.up)("SlurmExecutor on a real cluster", () => {
  const executors: SlurmExecutor[] = [];
  const submitted: string[] = [];

  function executor(workersDir: string, options: Partial<SlurmExecutorOptions> = {}): SlurmExecutor {
    const ex = new SlurmExecutor({
      workersDir,
      pollIntervalMs: 200,
      exitFileGraceMs: 500,
      ...options,
      onSubmit: (id, launches) => {
        submitted.push(id);
        options.onSubmit?.(id, launches);
      },
    });
    executors.push(ex);
    return ex;
  }

  afterEach(async () => {
    await Promise.all(executors.splice(0).map((ex) => ex.close()));
    // Whatever a test did, it must leave nothing pending or running. A job whose launcher has
    // recorded its status may still be finishing for a moment (the task ends at the status file).
    const ids = submitted.splice(0);
    if (ids.length > 0) await waitFor("submitted jobs to end", () => liveJobs(ids).length === 0, 10_000);
  });

  it("runs a task as a batch job and records the launcher's exit status", async () => {
    const box = sandbox("ok");
    const launch = box.launch("upper", "-.N1", "hello slurm");
    const result = await executor(box.workersDir).run(launch);
    expect(result).toEqual({ ok: true });
    expect(readFileSync(join(launch.nodeDir, "outputs/value"), "utf8")).toBe("HELLO SLURM");
    expect(readFileSync(join(launch.nodeDir, "_exit"), "utf8")).toBe("0\n");
    expect(existsSync(join(launch.nodeDir, "_done"))).toBe(true);
    const script = readFileSync(join(launch.nodeDir, "job.sh"), "utf8");
    expect(script).toContain("#SBATCH --no-requeue\n");
    expect(script).toContain("#SBATCH --kill-on-invalid-dep=yes\n");
    expect(script).toContain(`#SBATCH --error=${launch.nodeDir}/errors\n`);
    expect(submitted).toHaveLength(1);
    await waitFor("the job to complete", () => jobStates(submitted).get(submitted[0]!) === "COMPLETED", 10_000);
  });

  it("exports the contract's environment from the script (even with --export=NONE) and marks _done", async () => {
    const box = sandbox("env");
    const launch = box.launch("env", "-.N1", undefined);
    const ex = executor(box.workersDir, {
      env: { EXTRA_SETTING: "it's here" },
      tasks: { "test_worker.env": { sbatch: ["--export=NONE"] } },
    });
    expect(await ex.run(launch)).toEqual({ ok: true });
    const output = join(launch.nodeDir, "outputs/value");
    expect(readFileSync(output, "utf8")).toBe(`${box.root}|env|${output}|it's here`);
    expect(existsSync(join(launch.nodeDir, "_done"))).toBe(true);
  });

  it("fails a job whose launcher exits non-zero, with the status, _error and stderr", async () => {
    const box = sandbox("fail");
    const result = await executor(box.workersDir).run(box.launch("fail", "-.N1", undefined));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toMatch(/^exited with status 3 \(Slurm job \d+\): bad input$/);
    expect(result.stderrTail).toContain("fail: the input was rejected");
  });

  it("stops a task at its own time limit, to the second", async () => {
    const box = sandbox("timeout");
    const launch = box.launch("sleep", "-.N1", "30", { timeoutMs: 1500 });
    const result = await executor(box.workersDir).run(launch);
    expect(result).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^timed out after 1\.5 s \(Slurm job \d+\)$/),
    });
    // Slurm's own limit is set as a backstop, a minute beyond (Slurm counts minutes).
    expect(readFileSync(join(launch.nodeDir, "job.sh"), "utf8")).toContain("#SBATCH --time=2\n");
  });

  it("reports a job cancelled from outside (scancel) as cancelled", async () => {
    const box = sandbox("scancel");
    const launch = box.launch("sleep", "-.N1", "60");
    const running = executor(box.workersDir).run(launch);
    const id = await waitFor(
      "the job to run",
      () => submitted[0] && jobStates(submitted).get(submitted[0]) === "RUNNING" && submitted[0],
    );
    execFileSync("scancel", [id]);
    const result = await running;
    expect(result).toMatchObject({ ok: false, reason: `Slurm job ${id} was cancelled (scancel or an administrator)` });
  });

  it("rejects a request that can never run at submission, with Slurm's reason", async () => {
    const box = sandbox("impossible");
    const ex = executor(box.workersDir, { tasks: { "test_worker.upper": { cpus: 64 } } });
    const result = await ex.run(box.launch("upper", "-.N1", "x"));
    expect(result).toEqual({
      ok: false,
      reason:
        "not submitted: Slurm rejected the job at submission: Batch job submission failed: More processors requested than permitted",
    });
    const partition = await executor(box.workersDir, { defaults: { partition: "nope" } }).run(
      box.launch("upper", "-.N2", "x"),
    );
    expect(partition).toMatchObject({ ok: false, reason: expect.stringContaining("Invalid partition name specified") });
    const memory = await executor(box.workersDir, { defaults: { memory: "100000G" } }).run(
      box.launch("upper", "-.N3", "x"),
    );
    expect(memory).toMatchObject({
      ok: false,
      reason: expect.stringContaining(
        "Slurm rejected the job at submission: Memory specification can not be satisfied",
      ),
    });
    expect(submitted).toEqual([]);
  });

  it("reads the spec's @resources from worker.json, and lets the executor's configuration override them", async () => {
    const box = sandbox("spec-resources");
    const descriptor = { name: "test_worker", tasks: { upper: { resources: { cpus: 64, time: "00:05:00" } } } };
    writeFileSync(join(box.workersDir, "test_worker/worker.json"), JSON.stringify(descriptor));
    const fromSpec = await executor(box.workersDir).run(box.launch("upper", "-.N1", "x"));
    expect(fromSpec).toMatchObject({
      ok: false,
      reason: expect.stringContaining("More processors requested than permitted"),
    });

    const overridden = box.launch("upper", "-.N2", "y");
    const ex = executor(box.workersDir, { workers: { test_worker: { cpus: 1 } } });
    expect(await ex.run(overridden)).toEqual({ ok: true });
    const script = readFileSync(join(overridden.nodeDir, "job.sh"), "utf8");
    expect(script).toContain("#SBATCH --cpus-per-task=1\n#SBATCH --time=00:05:00\n");
  });

  it("refuses resource values that are not Slurm's notation, naming the task and field", async () => {
    const box = sandbox("bad-resources");
    const ex = executor(box.workersDir, {
      tasks: { "test_worker.upper": { memory: "2 GB", sbatch: ["--qos=a\n#SBATCH --x"] } },
    });
    const result = await ex.run(box.launch("upper", "-.N1", "x"));
    expect(result).toEqual({
      ok: false,
      reason:
        'invalid Slurm request for test_worker.upper: memory "2 GB" is not a size such as 512M or 2G; ' +
        'sbatch argument "--qos=a\\n#SBATCH --x" must be one option word starting with \'-\' (e.g. "--qos=debug")',
    });
  });

  it("fails a job Slurm cannot launch because its output folder is missing", async () => {
    const box = sandbox("launch-failure");
    const launch = box.launch("upper", "-.N1", "x");
    // Held at submission, so the folder can go before the job starts.
    const ex = executor(box.workersDir, { defaults: { sbatch: ["--hold"] } });
    const running = ex.run(launch);
    const id = await waitFor("submission", () => submitted[0]);
    rmSync(launch.nodeDir, { recursive: true });
    execFileSync("scontrol", ["release", id]);
    const result = await running;
    expect(result).toMatchObject({
      ok: false,
      reason: `Slurm could not launch job ${id} (JobLaunchFailure): does its output folder exist on the compute node? (${launch.nodeDir}/stdout)`,
    });
  });

  it("cancels its pending and running jobs when the run is aborted", async () => {
    const controller = new AbortController();
    const box = sandbox("abort", controller.signal);
    const ex = executor(box.workersDir);
    // More sleeping tasks than the test node has slots: some run, some wait.
    const slots = Number(execFileSync("sinfo", ["-h", "-o", "%c"], { encoding: "utf8" }).trim());
    const locs = Array.from({ length: slots + 2 }, (_, i) => `-.N${i + 1}`);
    const results = locs.map((loc) => ex.run(box.launch("sleep", loc, "120")));
    await waitFor("running and pending jobs", () => {
      const states = [...jobStates(submitted).values()];
      return submitted.length === locs.length && states.includes("RUNNING") && states.includes("PENDING");
    });
    expect(liveJobs(submitted)).toHaveLength(locs.length);
    controller.abort();
    for (const result of await Promise.all(results)) {
      expect(result).toMatchObject({ ok: false, reason: "stopped: the run was stopped" });
    }
    expect(liveJobs(submitted)).toEqual([]);
    expect(ex.outstandingJobs()).toEqual([]);
  });

  it("cancels outstanding jobs on close()", async () => {
    const box = sandbox("close");
    const ex = executor(box.workersDir);
    const result = ex.run(box.launch("sleep", "-.N1", "120"));
    await waitFor("submission", () => submitted[0]);
    await ex.close();
    expect(await result).toMatchObject({ ok: false, reason: "stopped: the executor was closed" });
    expect(liveJobs(submitted)).toEqual([]);
  });

  it("on a shared queue, close() cancels only the executor's own jobs", async () => {
    const box = sandbox("shared-queue");
    const queue = slurmQueue({ pollIntervalMs: 200, exitFileGraceMs: 500 });
    expect(() => new SlurmExecutor({ workersDir: box.workersDir, queue, pollIntervalMs: 5 })).toThrow(
      "SlurmExecutor: pollIntervalMs belong to the shared queue: set them in slurmQueue({ ... })",
    );
    const [a, b] = [0, 1].map(() => {
      const ex = new SlurmExecutor({ workersDir: box.workersDir, queue, onSubmit: (id) => submitted.push(id) });
      executors.push(ex);
      return ex;
    });
    const stopped = a!.run(box.launch("sleep", "-.N1", "120"));
    const kept = b!.run(box.launch("sleep", "-.N2", "2"));
    await waitFor("both submissions", () => a!.outstandingJobs().length + b!.outstandingJobs().length === 2);
    const [jobA, jobB] = [a!.outstandingJobs()[0]!, b!.outstandingJobs()[0]!];
    await a!.close();
    expect(await stopped).toMatchObject({ ok: false, reason: "stopped: the executor was closed" });
    expect(liveJobs([jobA])).toEqual([]);
    // The other executor's job was not touched, and the shared poller still serves it.
    expect(await kept).toEqual({ ok: true });
    // Its result can arrive (exit file) while Slurm still lists the job as RUNNING: wait that out.
    await waitFor("job B to leave RUNNING", () => jobStates([jobB]).get(jobB) !== "RUNNING");
    expect(["COMPLETING", "COMPLETED"]).toContain(jobStates([jobB]).get(jobB));
  });

  it("runs a fan-out as one job array, each element with its own result", async () => {
    const box = sandbox("array");
    const ex = executor(box.workersDir);
    const launches = ["a", "b", "c", "d", "e"].map((v, i) => box.launch("upper", `-.N2.M${i}`, v));
    // Element 3 reads an input file that is not there: only that element fails.
    rmSync(join(box.root, "wf/-.N2.M3.in/value"));
    const results = await Promise.all(ex.runMany(launches));
    expect(submitted).toHaveLength(1);
    expect(results.map((r) => r.ok)).toEqual([true, true, true, false, true]);
    expect(results[3]).toMatchObject({ reason: `exited with status 1 (Slurm job ${submitted[0]}_3)` });
    expect(results[3]!.ok === false && results[3]!.stderrTail).toContain("No such file or directory");
    for (const [i, v] of ["A", "B", "C", undefined, "E"].entries()) {
      if (v) expect(readFileSync(join(launches[i]!.nodeDir, "outputs/value"), "utf8")).toBe(v);
    }
    const states = jobStates(submitted);
    expect([...states.keys()].sort()).toEqual([0, 1, 2, 3, 4].map((i) => `${submitted[0]}_${i}`));
  });

  it("packs several tasks into each array element when asked, each still with its own result", async () => {
    const box = sandbox("packed");
    const ex = executor(box.workersDir, { tasksPerArrayElement: 3 });
    const launches = ["a", "b", "c", "d", "e", "f", "g"].map((v, i) => box.launch("upper", `-.N2.M${i}`, v));
    rmSync(join(box.root, "wf/-.N2.M4.in/value"));
    const results = await Promise.all(ex.runMany(launches));
    expect(submitted).toHaveLength(1);
    expect(results.map((r) => r.ok)).toEqual([true, true, true, true, false, true, true]);
    // Task 4 is the second task of element 1; the third task of that element still ran.
    expect(results[4]).toMatchObject({ reason: `exited with status 1 (Slurm job ${submitted[0]}_1)` });
    expect(readFileSync(join(launches[1]!.nodeDir, "outputs/value"), "utf8")).toBe("B");
    expect(readFileSync(join(launches[5]!.nodeDir, "outputs/value"), "utf8")).toBe("F");
    expect(readFileSync(join(launches[6]!.nodeDir, "outputs/value"), "utf8")).toBe("G");
    const states = jobStates(submitted);
    expect([...states.keys()].sort()).toEqual([0, 1, 2].map((i) => `${submitted[0]}_${i}`));
  });

  it("ends a task whose job disappears from the scheduler without an exit status", async () => {
    const box = sandbox("vanished");
    // Held, so element 1 can be cancelled while pending: Slurm then forgets it entirely.
    const ex = executor(box.workersDir, { defaults: { sbatch: ["--hold"] } });
    const launches = ["a", "b", "c"].map((v, i) => box.launch("upper", `-.N2.M${i}`, v));
    const results = ex.runMany(launches);
    const id = await waitFor("submission", () => submitted[0]);
    execFileSync("scancel", [`${id}_1`]);
    expect([...jobStates([id]).keys()].sort()).toEqual([`${id}_0`, `${id}_2`]);
    execFileSync("scontrol", ["release", id]);
    expect(await Promise.all(results)).toEqual([
      { ok: true },
      {
        ok: false,
        reason: `Slurm job ${id}_1 disappeared from the scheduler without recording an exit status (cancelled while pending, or purged after MinJobAge)`,
      },
      { ok: true },
    ]);
  });

  it("fails a task clearly when sbatch is missing", async () => {
    const box = sandbox("no-sbatch");
    const ex = executor(box.workersDir, { slurmBin: join(box.root, "no-slurm-here") });
    expect(await ex.run(box.launch("upper", "-.N1", "x"))).toEqual({
      ok: false,
      reason: `cannot submit to Slurm: sbatch not found in ${join(box.root, "no-slurm-here")}: is Slurm's client (slurm-client) installed?`,
    });
  });

  it("fails and cancels outstanding tasks when the scheduler stops answering", async () => {
    const box = sandbox("unresponsive");
    // Real sbatch and scancel; a real squeue pointed at a controller port where nothing listens.
    const bin = join(box.root, "bin");
    mkdirSync(bin);
    for (const cmd of ["sbatch", "scancel"])
      symlinkSync(execFileSync("which", [cmd], { encoding: "utf8" }).trim(), join(bin, cmd));
    const conf = readFileSync("/etc/slurm/slurm.conf", "utf8").replace(/^SlurmctldHost=.*$/m, "$&\nSlurmctldPort=1");
    writeFileSync(join(bin, "dead.conf"), conf);
    writeFileSync(join(bin, "squeue"), `#!/bin/sh\nSLURM_CONF='${bin}/dead.conf' exec squeue "$@"\n`);
    chmodSync(join(bin, "squeue"), 0o755);
    const ex = executor(box.workersDir, { slurmBin: bin, unresponsiveMs: 1000, commandTimeoutMs: 1500 });
    const result = await ex.run(box.launch("sleep", "-.N1", "120"));
    expect(result).toMatchObject({
      ok: false,
      reason: expect.stringMatching(
        /^the Slurm scheduler has not answered for \d+ s \(squeue gave no answer within 1\.5 s\)$/,
      ),
    });
    expect(liveJobs(submitted)).toEqual([]);
  });

  it("ends a job over its Slurm time limit with that reason (after ~1-1.5 min: Slurm's granularity)", async () => {
    const result = await overTime.result!;
    expect(result).toMatchObject({
      ok: false,
      reason: `Slurm job ${overTime.job} hit its time limit (--time=1:00) and was killed`,
    });
    expect(result.ok === false && result.stderrTail).toContain("DUE TO TIME LIMIT");
    expect(liveJobs([overTime.job!])).toEqual([]);
  }, 150_000);
});

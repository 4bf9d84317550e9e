// `resume` runs the rest of a run with the options it started with (kept in `_options.json`,
// written before the first task), unless they are given again.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { graph, resume, run, RunError, SlurmExecutor, type Executor } from "../../src/graph/index.js";
import { recreateExecutor } from "../../src/graph/executors/recreate.js";
import { resumeOptions, storedOptionsText, type CheckedOptions } from "../../src/graph/run-options.js";
import { t } from "../../src/runtime/index.js";
import { tw } from "../support/cli.js";
import { adderModule, intTask, shellWorker, tempDir } from "./support.js";

const ADD = `echo $(( $(cat "$input_a_file") + $(cat "$input_b_file") )) > "$output_value_file"`;

describe("resume keeps the run's options", () => {
  it("resumes with the workers folder, executors and limits the run started with", () => {
    const dir = tempDir();
    const workers = join(dir, "my-workers");
    // The first attempt fails, after seeing that the options were kept before it ran.
    shellWorker(workers, "calc", `test -e "$TKR_DIR/wf/_options.json" && touch "$TKR_DIR/options-kept"; exit 5`);
    const r = tw(
      "run",
      adderModule(dir),
      "-w",
      workers,
      "-e",
      "calc=shell",
      "--task-timeout",
      "calc.add=30",
      "-j",
      "1",
      "--timeout",
      "60",
      "-i",
      '{"a": 1, "b": 2}',
      "--root",
      join(dir, "runs"),
      "--id",
      "wf",
      "--no-progress",
    );
    expect(r.status).toBe(1);
    expect(existsSync(join(dir, "runs", "options-kept"))).toBe(true);
    const kept = JSON.parse(readFileSync(join(dir, "runs/wf/_options.json"), "utf8"));
    expect(kept).toEqual({
      version: 1,
      workers: [workers],
      executors: { calc: "shell" },
      concurrency: 1,
      timeout: 60,
      timeouts: { "calc.add": 30 },
    });
    shellWorker(workers, "calc", ADD);
    // No -w: the run's own workers folder, not ./workers.
    const again = tw("resume", join(dir, "runs/wf"), "--no-progress");
    expect(again.stderr).not.toContain("error");
    expect([again.status, again.stdout]).toEqual([0, "3\n"]);
  });

  it("an option given to resume replaces the kept one", () => {
    const dir = tempDir();
    const workers = join(dir, "first");
    const other = join(dir, "second");
    shellWorker(workers, "calc", "exit 5");
    shellWorker(other, "calc", `echo $(( $(cat "$input_a_file") * $(cat "$input_b_file") )) > "$output_value_file"`);
    expect(
      tw(
        "run",
        adderModule(dir),
        "-w",
        workers,
        "-i",
        '{"a": 3, "b": 4}',
        "--root",
        join(dir, "runs"),
        "--id",
        "wf",
        "--no-progress",
      ).status,
    ).toBe(1);
    expect(tw("resume", join(dir, "runs/wf"), "-w", other, "--no-progress")).toMatchObject({
      status: 0,
      stdout: "12\n",
    });
  });

  it("an executor object cannot be kept: resume asks for it again, naming the worker", async () => {
    const root = tempDir();
    const workers = tempDir();
    shellWorker(workers, "calc", ADD);
    const add = intTask("calc", "add", ["a", "b"] as const);
    const g = graph({ inputs: { a: t.int32, b: t.int32 }, output: t.int32 });
    g.output(g.task(add({ a: g.inputs.a, b: g.inputs.b })));
    const broken: Executor = { run: async () => ({ ok: false, reason: "broken on purpose" }) };
    await expect(
      run(g, { a: 1, b: 2 }, { root, workflowId: "wf", workers, executors: { calc: broken } }),
    ).rejects.toThrow("broken on purpose");
    await expect(resume(join(root, "wf"))).rejects.toThrow(
      new RunError(
        "the executor for 'calc' was an object when the run started and cannot be recreated from the run directory: give it again (executors: { calc: ... } or -e calc=<kind>)",
      ),
    );
    expect((await resume(join(root, "wf"), { executors: { calc: "shell" } })).value).toBe(3);
  });

  it("a Slurm executor made by the CLI is kept with its resources and made again on resume", async () => {
    const dir = tempDir();
    const resumeAs = { kind: "slurm" as const, workersDir: "/w", defaults: { time: "5", cpus: 2 } };
    const slurmLike: Executor = { run: async () => ({ ok: true }), resumeAs };
    writeFileSync(join(dir, "_options.json"), storedOptionsText({ executors: { calc: slurmLike, other: "stdio" } }));
    expect(JSON.parse(readFileSync(join(dir, "_options.json"), "utf8")).executors).toEqual({
      calc: resumeAs,
      other: "stdio",
    });
    const given: CheckedOptions = { executors: { other: "shell" } };
    const o = await resumeOptions(dir, given, recreateExecutor);
    expect(o.executors!.other).toBe("shell");
    expect(o.executors!.calc).toBeInstanceOf(SlurmExecutor);
    await (o.executors!.calc as SlurmExecutor).close();
  });
});

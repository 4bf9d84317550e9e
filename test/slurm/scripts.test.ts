/**
 * The parts of the Slurm executor that need no cluster: where resources come from, what is
 * refused before sbatch sees it, and job scripts that bash accepts and that keep values inert.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  mergeResources,
  readSpecResources,
  resourceOptions,
  resourceProblems,
} from "../../src/graph/executors/slurm-resources.js";
import { renderArrayJob, renderSingleJob, renderTaskEnv } from "../../src/graph/executors/slurm-script.js";

describe("Slurm resources", () => {
  it("merges defaults < spec < worker < task, field by field, and accumulates sbatch words in that order", () => {
    const merged = mergeResources({
      defaults: { cpus: 1, time: "10", partition: "short", sbatch: ["--qos=low"] },
      spec: { cpus: 4, memory: "2G", sbatch: ["--constraint=avx2"] },
      worker: { memory: "4G", account: "proj" },
      task: { time: "01:00:00", sbatch: ["--qos=high"] },
    });
    expect(merged).toEqual({
      cpus: 4,
      memory: "4G",
      time: "01:00:00",
      partition: "short",
      account: "proj",
      sbatch: ["--qos=low", "--constraint=avx2", "--qos=high"],
    });
    expect(resourceOptions(merged)).toEqual([
      "--cpus-per-task=4",
      "--mem=4G",
      "--time=01:00:00",
      "--partition=short",
      "--account=proj",
      "--qos=low",
      "--constraint=avx2",
      "--qos=high",
    ]);
  });

  it("refuses values that are not Slurm notation or could break out of an #SBATCH line", () => {
    expect(
      resourceProblems({ cpus: 2, memory: "512M", time: "1-00:00:00", partition: "gpu", sbatch: ["--exclusive"] }),
    ).toEqual([]);
    expect(
      resourceProblems({
        cpus: 0.5,
        memory: "lots",
        time: "1h",
        partition: "a b",
        account: 'x"y',
        sbatch: ["exclusive", "--x\n#SBATCH --y"],
      }),
    ).toEqual([
      "cpus must be a whole number of at least 1, not 0.5",
      'memory "lots" is not a size such as 512M or 2G',
      'time "1h" is not a Slurm time such as 30, 10:00, 01:00:00 or 1-00:00:00',
      'partition "a b" must be one word without quotes or control characters',
      'account "x\\"y" must be one word without quotes or control characters',
      'sbatch argument "exclusive" must be one option word starting with \'-\' (e.g. "--qos=debug")',
      'sbatch argument "--x\\n#SBATCH --y" must be one option word starting with \'-\' (e.g. "--qos=debug")',
    ]);
  });

  it("reads a task's @resources from worker.json, and treats a missing file as none", () => {
    const dir = mkdtempSync(join(tmpdir(), "tkr-slurm-spec-"));
    expect(readSpecResources(dir, "w", "t")).toBeUndefined();
    mkdirSync(join(dir, "w"));
    writeFileSync(join(dir, "w/worker.json"), JSON.stringify({ tasks: { t: { resources: { cpus: 3 } }, u: {} } }));
    expect(readSpecResources(dir, "w", "t")).toEqual({ cpus: 3 });
    expect(readSpecResources(dir, "w", "u")).toBeUndefined();
    writeFileSync(join(dir, "w/worker.json"), "{ not json");
    expect(() => readSpecResources(dir, "w", "t")).toThrow(`${join(dir, "w/worker.json")} is not valid JSON`);
  });
});

describe("Slurm job scripts", () => {
  const hostile = `it's $(touch pwned) "quoted" \`x\` $HOME`;
  const common = {
    jobName: "w.t@-.N1",
    worker: "w",
    task: "t",
    root: "/tmp/root with space",
    launcher: "/workers/w/main.sh",
    viaBash: false,
    options: ["--cpus-per-task=2", "--time=5"],
    env: { EXTRA: hostile },
  };

  it("single job: #SBATCH header first, quoted paths, defaults, and bash parses it", () => {
    const script = renderSingleJob({
      ...common,
      nodeDir: "/tmp/root with space/wf/-.N1",
      definitionPath: "wf/-.N1/definition",
      taskEnv: { TKR_DIR: "/tmp/root with space", function_name: "t" },
    });
    const header = script.split("\n").filter((line) => line.startsWith("#SBATCH"));
    expect(header).toEqual([
      "#SBATCH --job-name=w.t@-.N1",
      '#SBATCH "--output=/tmp/root with space/wf/-.N1/stdout"',
      '#SBATCH "--error=/tmp/root with space/wf/-.N1/errors"',
      '#SBATCH "--chdir=/tmp/root with space"',
      "#SBATCH --no-requeue",
      "#SBATCH --kill-on-invalid-dep=yes",
      "#SBATCH --cpus-per-task=2",
      "#SBATCH --time=5",
    ]);
    // sbatch stops reading #SBATCH lines at the first command: all of them come before any.
    const firstCommand = script.split("\n").findIndex((line) => line && !line.startsWith("#"));
    expect(
      script
        .split("\n")
        .slice(firstCommand)
        .some((line) => line.startsWith("#SBATCH")),
    ).toBe(false);
    expect(spawnSync("bash", ["-n"], { input: script }).status).toBe(0);
  });

  it("exports values verbatim: nothing in them runs", () => {
    const dir = mkdtempSync(join(tmpdir(), "tkr-slurm-env-"));
    const env = renderTaskEnv({ function_name: hostile, TKR_DIR: dir });
    writeFileSync(join(dir, "job.env"), env);
    const out = execFileSync("bash", ["-c", 'cd "$1" && source job.env && printf %s "$function_name"', "-", dir], {
      encoding: "utf8",
    });
    expect(out).toBe(hostile);
    expect(spawnSync("test", ["-e", join(dir, "pwned")]).status).toBe(1);
  });

  it("array job: one element per N tasks, and bash parses it", () => {
    const script = renderArrayJob({
      ...common,
      arrayDir: "/tmp/root with space/wf/_slurm/w.t@-.N1.M0",
      listFile: "/tmp/root with space/wf/_slurm/w.t@-.N1.M0/list",
      tasks: 25,
      tasksPerElement: 10,
      throttle: 2,
    });
    expect(script).toContain("#SBATCH --array=0-2%2\n");
    expect(script).toContain("\ntw_per=10\n");
    expect(spawnSync("bash", ["-n"], { input: script }).status).toBe(0);
  });

  it("array job: element i runs its own lines of the list, each task with its own files", () => {
    const dir = mkdtempSync(join(tmpdir(), "tkr-slurm-array-"));
    const launcher = join(dir, "launcher.sh");
    writeFileSync(launcher, '#!/bin/bash\necho "ran $1 as $function_name"\n[[ $1 != bad ]]\n');
    const lines: string[] = [];
    for (const name of ["a", "b", "bad", "d", "e"]) {
      const node = join(dir, name);
      mkdirSync(node);
      writeFileSync(
        join(node, "job.env"),
        renderTaskEnv({ function_name: name, done_path: join(node, "_done"), error_path: join(node, "_error") }),
      );
      lines.push(`${node}\t${name}`);
    }
    writeFileSync(join(dir, "list"), lines.join("\n") + "\n");
    const script = renderArrayJob({
      ...common,
      root: dir,
      launcher,
      arrayDir: dir,
      listFile: join(dir, "list"),
      tasks: 5,
      tasksPerElement: 2,
    });
    writeFileSync(join(dir, "job.sh"), script);
    chmodSync(launcher, 0o755);
    // Element 1 runs tasks 3 and 4 (list lines 3-4), nothing else.
    execFileSync("bash", [join(dir, "job.sh")], { env: { ...process.env, SLURM_ARRAY_TASK_ID: "1" }, stdio: "ignore" });
    expect(readFileSync(join(dir, "bad/stdout"), "utf8")).toBe("ran bad as bad\n");
    expect(readFileSync(join(dir, "bad/_exit"), "utf8")).toBe("1\n");
    expect(readFileSync(join(dir, "d/_exit"), "utf8")).toBe("0\n");
    expect(spawnSync("test", ["-e", join(dir, "d/_done")]).status).toBe(0);
    expect(spawnSync("test", ["-e", join(dir, "bad/_done")]).status).toBe(1);
    for (const untouched of ["a", "b", "e"])
      expect(spawnSync("test", ["-e", join(dir, untouched, "_exit")]).status).toBe(1);
  });
});

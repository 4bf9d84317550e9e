/**
 * The parts of the Slurm executor that need no cluster: where resources come from, what is
 * refused before sbatch sees it, and job scripts that bash accepts and that keep values inert.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  mergeResources,
  readSpecResources,
  resourceOptions,
  resourceProblems,
} from "../../src/graph/executors/slurm-resources.js";
import {
  EXIT_FILE,
  renderArrayJob,
  renderSingleJob,
  renderTaskEnv,
  SETUP_STATUS,
  type SingleJob,
} from "../../src/graph/executors/slurm-script.js";
import { SlurmExecutor } from "../../src/graph/executors/slurm.js";
import { sandbox } from "./cluster.js";

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

  it("refuses a launch that is not direct, srun or mpirun, and module names that are not one plain word", () => {
    expect(resourceProblems({ launch: "srun", modules: ["openmpi/4.1.4", "gcc@12"] })).toEqual([]);
    expect(resourceProblems({ launch: "mpiexec" as "mpirun", modules: ["-f", "a b", "x'; rm -rf ~; '"] })).toEqual([
      'launch "mpiexec" is not one of direct, srun, mpirun',
      `module "-f" must be one module name (e.g. "openmpi/4.1"), without blanks or quotes and not starting with '-'`,
      `module "a b" must be one module name (e.g. "openmpi/4.1"), without blanks or quotes and not starting with '-'`,
      `module "x'; rm -rf ~; '" must be one module name (e.g. "openmpi/4.1"), without blanks or quotes and not starting with '-'`,
    ]);
    // Not sbatch options: the job script applies them. A later layer's modules replace earlier ones.
    const merged = mergeResources({ spec: { launch: "mpirun", modules: ["a"] }, worker: { modules: ["b", "c"] } });
    expect(merged).toEqual({ launch: "mpirun", modules: ["b", "c"] });
    expect(resourceOptions(merged)).toEqual([]);
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

  it("the body passes shellcheck, and so do the scripts written from it", () => {
    const dir = mkdtempSync(join(tmpdir(), "tkr-slurm-lint-"));
    const files = {
      "body.sh": readFileSync(new URL("../../src/graph/executors/slurm-job.sh", import.meta.url), "utf8"),
      "single.sh": renderSingleJob({
        ...common,
        launch: "mpirun",
        modules: ["openmpi/4.1", hostile],
        nodeDir: "/n",
        definitionPath: "d",
        taskEnv: { TKR_DIR: "/r" },
      }),
      "array.sh": renderArrayJob({ ...common, arrayDir: "/a", listFile: "/a/list", tasks: 3, tasksPerElement: 1 }),
    };
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    const r = spawnSync("shellcheck", ["-s", "bash", ...Object.keys(files)], { cwd: dir, encoding: "utf8" });
    expect(r.stdout).toBe("");
    expect(r.status).toBe(0);
  });
});

/**
 * A one-task job script run by bash (not by Slurm): its node folder, a launcher that records that
 * it ran and what TW_LAUNCH it was given, and how to run the script.
 */
function jobOnDisk(job: Partial<SingleJob>) {
  const dir = mkdtempSync(join(tmpdir(), "tkr-slurm-setup-"));
  const node = join(dir, "node");
  mkdirSync(node);
  const launcher = join(dir, "launcher.sh");
  writeFileSync(launcher, '#!/bin/bash\nprintf "%s" "${TW_LAUNCH-unset}" >"$(dirname "$1")/ran"\n');
  chmodSync(launcher, 0o755);
  const script = join(dir, "job.sh");
  writeFileSync(
    script,
    renderSingleJob({
      jobName: "w.t@-.N1",
      worker: "w",
      task: "t",
      root: dir,
      launcher,
      viaBash: false,
      options: [],
      nodeDir: node,
      definitionPath: join(node, "definition"),
      taskEnv: { done_path: join(node, "_done"), error_path: join(node, "_error") },
      ...job,
    }),
  );
  const read = (file: string) => (existsSync(join(node, file)) ? readFileSync(join(node, file), "utf8") : undefined);
  return { dir, node, script, read };
}

/** PATH of a folder holding only links to these programs (and bash). */
function onlyPrograms(dir: string, programs: readonly string[]): string {
  const bin = join(dir, "bin");
  mkdirSync(bin);
  for (const p of ["bash", ...programs]) {
    const where = execFileSync("bash", ["-c", 'command -v "$1"', "-", p], { encoding: "utf8" }).trim();
    execFileSync("ln", ["-s", where, join(bin, p)]);
  }
  return bin;
}

describe("Slurm job set-up", () => {
  it("tells the launcher how to start the program (TW_LAUNCH)", () => {
    const job = jobOnDisk({ launch: "srun" });
    execFileSync("bash", [job.script], { stdio: "ignore" });
    expect([job.read("ran"), job.read(EXIT_FILE)]).toEqual(["srun", "0\n"]);
  });

  it("fails the task, naming the worker and the tool, when the launch tool is missing; the launcher does not run", () => {
    const job = jobOnDisk({ launch: "mpirun" });
    const path = onlyPrograms(job.dir, ["hostname", "mv"]);
    const r = spawnSync(path + "/bash", [job.script], { env: { PATH: path }, encoding: "utf8" });
    expect(r.status).toBe(SETUP_STATUS);
    expect(job.read(EXIT_FILE)).toBe(`${SETUP_STATUS}\n`);
    expect(job.read("_error")).toMatch(/^worker w: launch mpirun: 'mpirun' was not found on node \S+ \(PATH=.*\)\n$/);
    expect(r.stderr).toContain("typespec-workers: w.t: worker w: launch mpirun:");
    expect(job.read("ran")).toBeUndefined();
  });

  // A node without Lmod or Environment Modules: their files hidden by bwrap (this machine has them).
  const bwrap = spawnSync("bash", ["-c", "command -v bwrap"]).status === 0;
  it.skipIf(!bwrap)("fails the task, naming the worker and the modules, where the node has no module command", () => {
    const job = jobOnDisk({ modules: ["openmpi/4.1", "hdf5"] });
    const hide = ["/usr/share/modules", "/usr/share/lmod", "/etc/profile.d"].filter((d) => existsSync(d));
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => k !== "MODULESHOME" && !k.startsWith("BASH_FUNC_module")),
    );
    const r = spawnSync(
      "bwrap",
      [
        ...["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--bind", job.dir, job.dir],
        ...hide.flatMap((d) => ["--tmpfs", d]),
        ...["bash", job.script],
      ],
      { env, encoding: "utf8" },
    );
    expect(r.status).toBe(SETUP_STATUS);
    expect(job.read("_error")).toMatch(
      /^worker w: modules openmpi\/4\.1 hdf5 were asked for, but node \S+ has no 'module' command \(neither Lmod nor Environment Modules is set up there\)\n$/,
    );
    expect(job.read("ran")).toBeUndefined();
  });
});

describe("Slurm launch", () => {
  it("refuses srun or mpirun for a launcher not generated by typespec-workers, before anything is submitted", async () => {
    const box = sandbox("launch-hand-written");
    const slurm = new SlurmExecutor({
      workersDir: box.workersDir,
      workers: { test_worker: { launch: "mpirun" } },
      slurmBin: "/nonexistent",
    });
    const r = await slurm.run(box.launch("upper", "-.N1", '"x"'));
    expect(r).toEqual({
      ok: false,
      reason: `invalid Slurm request for test_worker.upper: launch mpirun needs a launcher generated by typespec-workers (it starts the program with mpirun); ${box.workersDir}/test_worker/main.sh is not one: start mpirun in it yourself and leave launch as direct`,
    });
    await slurm.close();
  });

  it("names both places a launcher was looked for when a worker has none, before anything is submitted", async () => {
    const box = sandbox("launch-missing");
    const slurm = new SlurmExecutor({ workersDir: box.workersDir, slurmBin: "/nonexistent" });
    const r = await slurm.run({ ...box.launch("upper", "-.N1", '"x"'), worker: "absent" });
    expect(r).toEqual({
      ok: false,
      reason: `no launcher for worker absent: neither ${box.workersDir}/absent nor ${box.workersDir}/absent/main.sh is a file`,
    });
    await slurm.close();
  });
});

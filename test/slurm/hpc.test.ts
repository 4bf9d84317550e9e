/**
 * HPC programs as HPC users run them, on the real single-node cluster, through
 * `typespec-workers run` with a workers.yaml: an MPI program (compiled here with Debian's OpenMPI)
 * started with 2 ranks by mpirun and by srun, a program that is not MPI run by srun as each task
 * of its job, a program that only an environment module puts on PATH, and a module that does not
 * exist. The pool's Slurm entries share one squeue poller, counted through a squeue on PATH that
 * logs its calls.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { taskModule } from "../graph/support.js";
import { cliPath, tw } from "../support/cli.js";
import { sandbox, startCluster } from "./cluster.js";

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, "fixtures");
const cluster = startCluster();

/** A program on PATH, or undefined. */
function which(program: string): string | undefined {
  const r = spawnSync("bash", ["-c", 'command -v "$1"', "-", program], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

const mpicc = which("mpicc");
const modulesInit = ["/usr/share/modules/init/bash", "/usr/share/lmod/lmod/init/bash"].find((f) => existsSync(f));
const missing = [
  ...(mpicc ? [] : ["mpicc (Debian: openmpi-bin libopenmpi-dev)"]),
  ...(modulesInit ? [] : ["environment modules (Debian: environment-modules or lmod)"]),
];
if (cluster.up && missing.length) console.warn(`HPC tests skipped: ${missing.join(" and ")} not installed`);

describe.skipIf(!cluster.up || missing.length > 0)("HPC programs on Slurm", () => {
  const box = sandbox("hpc");
  const bin = join(box.root, "bin");
  const workers = join(box.root, "hpc-workers");
  const pathForJobs = [bin, join(fixtures, "mpi"), process.env.PATH].join(":");
  // OpenMPI refuses to start as root unless told that is meant: this cluster runs jobs as root.
  const asRoot = process.getuid?.() === 0 ? { OMPI_ALLOW_RUN_AS_ROOT: "1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: "1" } : {};

  /** `typespec-workers run` of a graph with a workers file, squeue's calls logged to `log`. */
  function run(graph: string, config: object, inputs: object, log: string) {
    const file = join(box.root, `${log}.yaml`);
    writeFileSync(file, JSON.stringify(config, null, 2));
    const logFile = join(box.root, `${log}.log`);
    writeFileSync(logFile, "");
    const args = ["run", graph, "-w", workers, "--config", file, "-i", JSON.stringify(inputs)];
    const r = spawnSync(process.execPath, [cliPath, ...args, "--root", box.root, "--id", log, "--no-progress"], {
      encoding: "utf8",
      timeout: 300_000,
      env: {
        ...process.env,
        PATH: `${join(fixtures, "squeue-log")}:${process.env.PATH}`,
        TW_TEST_SQUEUE: which("squeue")!,
        TW_TEST_SQUEUE_LOG: logFile,
      },
    });
    const calls = readFileSync(logFile, "utf8").split("\n").filter(Boolean);
    return { ...r, calls };
  }

  beforeAll(() => {
    mkdirSync(bin, { recursive: true });
    execFileSync(mpicc!, ["-O1", "-o", join(bin, "mpi_sum"), join(fixtures, "mpi/mpi_sum.c")]);
    const c = tw("compile", join(fixtures, "mpi/hpc.tsp"), "-o", workers);
    expect(c.stderr).toBe("");
    expect(c.status).toBe(0);
  }, 120_000);

  it("runs MPI ranks by mpirun and srun, srun tasks and a module's program, one squeue poller for them all", () => {
    const r = run(
      join(fixtures, "mpi/hpc-graph.mjs"),
      {
        workers: {
          // srun starts MPI ranks through PMIx here; the cluster's MpiDefault is none.
          mpi: { kind: "slurm", env: { PATH: pathForJobs, SLURM_MPI_TYPE: "pmix", ...asRoot } },
          ranks: { kind: "slurm", resources: { ntasks: 3, launch: "srun" }, env: { PATH: pathForJobs } },
          modular: {
            kind: "slurm",
            resources: { modules: ["twtest/1.0"] },
            env: { MODULEPATH: join(fixtures, "modulefiles") },
          },
        },
      },
      { n: 7, tag: "t" },
      "hpc",
    );
    expect([r.status, r.stderr]).toEqual([0, expect.not.stringContaining("error")]);
    const out = JSON.parse(r.stdout) as Record<string, string>;
    // Two ranks each: 7 + 14, summed by MPI on rank 0 and returned through the contract.
    expect(out.mpirun).toBe("size=2 sum=21");
    expect(out.srun).toBe("size=2 sum=21");
    expect(out.ranks!.split("\n").sort()).toEqual(["t 0", "t 1", "t 2"]);
    expect(out.modular).toBe("t twtest-1.0");

    // One poller: a query names the jobs of different entries (separate executors) at once.
    const ids = r.calls.map((call) => new Set(/-j (\S+)/.exec(call)![1]!.split(",")));
    const all = [...new Set(ids.flatMap((s) => [...s]))];
    const names = new Map(
      execFileSync("squeue", ["-h", "-t", "all", "-j", [...all, ...all].join(","), "-o", "%i|%j"], {
        encoding: "utf8",
      })
        .trim()
        .split("\n")
        .map((line) => line.split("|") as [string, string]),
    );
    const workersOf = (s: Set<string>) => new Set([...s].map((id) => names.get(id)?.split(".")[0]));
    console.info(`squeue calls: ${r.calls.length} for ${all.length} jobs of 3 Slurm entries`);
    // A job whose exit file is seen before the next poll is never queried, so how many of the four
    // jobs squeue was asked about depends on timing; that one query named jobs of two entries does not.
    expect(new Set(names.values()).size).toBeGreaterThanOrEqual(2);
    expect(Math.max(...ids.map((s) => workersOf(s).size))).toBeGreaterThanOrEqual(2);
  }, 300_000);

  it("fails a task whose module cannot be loaded, naming the worker and the module", () => {
    const graph = taskModule(box.root, "probe", {
      worker: "modular",
      task: "probe",
      inputs: { tag: "string" },
      output: "string",
    });
    const r = run(
      graph,
      {
        workers: {
          modular: {
            kind: "slurm",
            resources: { modules: ["twtest/1.0", "nosuch/9"] },
            env: { MODULEPATH: join(fixtures, "modulefiles") },
          },
        },
      },
      { tag: "t" },
      "nomodule",
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /error: task modular\.probe at -\.N1 failed: worker modular: module 'nosuch\/9' could not be loaded on node \S+: .*nosuch\/9.* \(Slurm job \d+\)/,
    );
    // The program never ran: nothing came back.
    expect(r.stdout).toBe("");
  }, 300_000);
});

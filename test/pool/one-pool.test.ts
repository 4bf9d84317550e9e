// One pool for everything: shell, stdin/stdout, TypeScript process, Python, in-process and
// container workers in one run, each chosen by the configuration file; env and vars reach the
// programs and never override the contract's variables. (Slurm entries are checked here; the
// runs on a cluster are test/slurm's.)
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { graph, run } from "../../src/graph/index.js";
import { onPath } from "../../src/graph/executors/python.js";
import { resourceOptions } from "../../src/graph/executors/slurm-resources.js";
import { poolOptions, PoolConfigError } from "../../src/pool/index.js";
import { t } from "../../src/runtime/index.js";
import { FIXTURE_WORKERS, tempDir, valueTask, workersCopy } from "./support.js";

const int = (worker: string, name: string) => valueTask(worker, name, { n: t.int32 }, t.int32);
const str = (worker: string, name: string) => valueTask(worker, name, { n: t.int32 }, t.string);

/** The kind file of every task folder of a run, by function name. */
function kinds(runDir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of readdirSync(runDir)) {
    if (!existsSync(join(runDir, d, "definition"))) continue;
    const name = (JSON.parse(readFileSync(join(runDir, d, "nodedef"), "utf8")) as { function_name: string })
      .function_name;
    out[name] = existsSync(join(runDir, d, "_kind")) ? readFileSync(join(runDir, d, "_kind"), "utf8") : "(none)";
  }
  return out;
}

describe("one pool for every kind", () => {
  it("runs shell, stdio, node, python, in-process and container workers in one run", async () => {
    const bwrap = onPath("bwrap") !== undefined && existsSync("/usr/bin/busybox");
    if (!bwrap) console.warn("bwrap or busybox is missing: the container step runs as a shell worker here");
    const workers = workersCopy();
    const dir = tempDir();
    const rootfs = join(dir, "rootfs");
    if (bwrap) {
      const { mkdirSync, cpSync, symlinkSync } = await import("node:fs");
      mkdirSync(join(rootfs, "bin"), { recursive: true });
      cpSync("/usr/bin/busybox", join(rootfs, "bin", "busybox"));
      for (const c of ["sh", "cat"]) symlinkSync("busybox", join(rootfs, "bin", c));
    }
    const g = graph({ inputs: { n: t.int32 }, output: { value: t.int32, env: t.string, pyEnv: t.string } });
    const squared = g.task(int("pycalc", "square")({ n: g.inputs.n }));
    const a = g.task(int("incsh", "inc")({ n: squared }));
    const b = g.task(int("incstdio", "inc")({ n: a }));
    const c = g.task(int("jsdouble", "double")({ n: b }));
    const d = g.task(int("inc", "inc")({ n: c }));
    const e = g.task(int("openssl_worker", "genrsa")({ n: d }));
    g.output({ value: e, env: g.task(str("incsh", "env")({ n: e })), pyEnv: g.task(str("pycalc", "env")({ n: e })) });
    const config = join(dir, "workers.yaml");
    writeFileSync(
      config,
      [
        `workerDirs: [${JSON.stringify(workers)}]`,
        "volumes: { scratch: . }",
        "workers:",
        "  pycalc: { kind: python, uv: false, env: { FOO: py }, vars: { threads: 2 }, volume: scratch }",
        '  incsh: { kind: shell, env: { FOO: "a b;$(x)" }, vars: { threads: 8 } }',
        "  incstdio: { kind: stdio }",
        // The copy of the workers is elsewhere; the JavaScript worker imports the built package by a relative path.
        `  jsdouble: { kind: node, file: ${JSON.stringify(join(FIXTURE_WORKERS, "jsdouble", "main.mjs"))} }`,
        `  inc: { kind: in-process, file: ${JSON.stringify(join(import.meta.dirname, "fixtures", "inc-impl.mjs"))}, export: incWorker }`,
        bwrap
          ? `  openssl_worker: { kind: container, image: rootfs, engine: { command: bwrap } }`
          : "  openssl_worker: { kind: shell }",
        "",
      ].join("\n"),
    );
    const pool = await poolOptions(config, { graph: g });
    const root = tempDir();
    const r = await run(g, { n: 3 }, { root, workflowId: "all", ...pool });
    expect(r.value.value).toBe(((3 * 3 + 1 + 1) * 2 + 1) as number);
    expect(r.value.env).toBe(`a b;$(x)|8|${root}`);
    expect(JSON.parse(r.value.pyEnv)).toEqual({
      FOO: "py",
      var_threads: "2",
      volume_scratch: dir,
      TKR_DIR: root,
      function_name: "env",
      cwd: join(workers, "pycalc"),
    });
    expect(kinds(join(root, "all"))).toEqual({
      "pycalc.square": "python",
      "incsh.inc": "shell",
      "incstdio.inc": "stdio",
      "jsdouble.double": "node",
      "inc.inc": "in-process",
      "openssl_worker.genrsa": bwrap ? "container" : "shell",
      "incsh.env": "shell",
      "pycalc.env": "python",
    });
  });

  it("maps Slurm entries with MPI resources to sbatch options, and refuses what Slurm would", async () => {
    const ok = await poolOptions(
      {
        workers: {
          solver: { kind: "slurm", resources: { nodes: 2, ntasks: 4, ntasksPerNode: 2, gpus: 1, time: "2:00:00" } },
        },
      },
      { used: ["solver"] },
    );
    expect(ok.kinds.solver).toBe("slurm");
    expect(resourceOptions({ nodes: 2, ntasks: 4, ntasksPerNode: 2, gpus: 1 })).toEqual([
      "--nodes=2",
      "--ntasks=4",
      "--ntasks-per-node=2",
      "--gpus=1",
    ]);
    const bad = await poolOptions(
      { workers: { solver: { kind: "slurm", resources: { time: "soon" } } } },
      { used: ["solver"] },
    ).catch((x: unknown) => x);
    expect(bad).toBeInstanceOf(PoolConfigError);
    expect((bad as Error).message).toContain(
      'config workers.solver.kind: solver: resources: time "soon" is not a Slurm time',
    );
  });
});

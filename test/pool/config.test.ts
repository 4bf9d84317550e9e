// The pool configuration file: read from YAML or JSON, checked against the shipped JSON Schema and
// against the graph, every problem told at its line and column with the closest valid name, all
// before anything runs.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { graph } from "../../src/graph/index.js";
import { findPoolConfig, poolOptions, PoolConfigError, poolSchema } from "../../src/pool/index.js";
import { t } from "../../src/runtime/index.js";
import { py, tempDir, valueTask, workersCopy } from "./support.js";

const shellTask = valueTask("openssl_worker", "genrsa", { n: t.int32 }, t.int32);

function twoWorkerGraph() {
  const g = graph({ inputs: { n: t.integer }, output: { a: t.integer, b: t.int32 } });
  g.output({ a: g.task(py.square({ n: g.inputs.n })), b: g.task(shellTask({ n: g.const(1, t.int32) })) });
  return g;
}

function writeConfig(text: string, name = "workers.yaml"): string {
  const dir = tempDir();
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

async function problems(config: string | object, ctx: Parameters<typeof poolOptions>[1] = {}): Promise<string> {
  const e = await poolOptions(config as string, ctx).catch((x: unknown) => x);
  expect(e).toBeInstanceOf(PoolConfigError);
  return (e as Error).message;
}

describe("pool configuration", () => {
  it("ships a JSON Schema naming every kind", () => {
    const s = poolSchema() as { definitions: { kind: { enum: string[] } } };
    expect(s.definitions.kind.enum).toEqual([
      "auto",
      "shell",
      "stdio",
      "node",
      "python",
      "container",
      "slurm",
      "in-process",
      "persistent",
      "service",
    ]);
  });

  it("reads a valid file and maps each worker to its kind", async () => {
    const workers = workersCopy();
    const file = writeConfig(
      [
        "default: { kind: auto }",
        "workers:",
        "  pycalc: { kind: python, uv: false, env: { FOO: bar }, vars: { threads: 4 } }",
        "  openssl_worker: { kind: shell }",
        "",
      ].join("\n"),
    );
    const pool = await poolOptions(file, { graph: twoWorkerGraph(), workers });
    expect(pool.kinds).toEqual({ default: "auto", pycalc: "python", openssl_worker: "shell" });
    expect(Object.keys(pool.executors)).toEqual(["default", "pycalc", "openssl_worker"]);
    expect(pool.source).toBe(file);
  });

  it("tells unknown keys, wrong kinds and misspelt workers at line:column with the closest name", async () => {
    const file = writeConfig(
      [
        "default: { kind: auto }", // 1
        "workers:", // 2
        "  pycalc:", // 3
        "    kind: pyhton", // 4
        "  openssl_wroker:", // 5
        "    kind: shell", // 6
        "    evn: { A: b }", // 7
        "volumse: {}", // 8
        "",
      ].join("\n"),
    );
    const m = await problems(file, { graph: twoWorkerGraph(), workers: workersCopy() });
    expect(m).toContain(
      `${file}:4:11: 'pyhton' is not a valid kind: expected one of auto, shell, stdio, node, python, container, slurm, in-process, persistent, service (did you mean 'python'?)`,
    );
    expect(m).toContain(`${file}:7:5: unknown key 'evn' in workers.openssl_wroker (did you mean 'env'?)`);
    expect(m).toContain(`${file}:8:1: unknown key 'volumse' at the top level (did you mean 'volumes'?)`);
  });

  it("says that launch and modules of a Slurm entry go under resources", async () => {
    const file = writeConfig(
      "workers:\n  pycalc: { kind: slurm, launch: mpirun, modules: [openmpi], resources: { ntasks: 2 } }\n",
    );
    const m = await problems(file, { graph: twoWorkerGraph(), workers: workersCopy() });
    expect(m).toContain(
      `${file}:2:26: unknown key 'launch' in workers.pycalc (it belongs under 'resources': resources: { launch: ... })`,
    );
    expect(m).toContain(
      `${file}:2:42: unknown key 'modules' in workers.pycalc (it belongs under 'resources': resources: { modules: ... })`,
    );
  });

  it("refuses a worker the graph does not use, naming the closest one", async () => {
    const file = writeConfig("workers:\n  pycalc: { kind: python }\n  opensl_worker: { kind: shell }\n");
    const m = await problems(file, { graph: twoWorkerGraph(), workers: workersCopy() });
    expect(m).toContain(
      `${file}:3:3: worker 'opensl_worker' is not a worker of the graph (did you mean 'openssl_worker'?) (the graph uses: pycalc, openssl_worker)`,
    );
  });

  it("without a graph, refuses a worker the worker folders do not hold", async () => {
    const file = writeConfig("workers:\n  pycalk: { kind: python }\n");
    const workers = workersCopy();
    expect(await problems(file, { workers })).toContain(
      `${file}:2:3: no worker 'pycalk' in the worker folders ${workers} (did you mean 'pycalc'?)`,
    );
  });

  it("refuses 'default' and 'builtins' as worker entries", async () => {
    const m = await problems({ workers: { default: { kind: "auto" }, builtins: { kind: "shell" } } }, { used: [] });
    expect(m).toContain(
      "config workers.default: 'default' cannot be a worker entry (write the top-level 'default' entry)",
    );
    expect(m).toContain("config workers.builtins: 'builtins' cannot be a worker entry");
  });

  it("refuses two entries for one worker, at the second", async () => {
    const file = writeConfig("workers:\n  pycalc: { kind: python }\n  pycalc: { kind: auto }\n");
    expect(await problems(file)).toContain(`${file}:3:3: 'pycalc' is given twice in one map`);
  });

  it("checks keys against the kind, contract variables in env, and volumes", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, "allowed", "scratch"), { recursive: true });
    mkdirSync(join(dir, "elsewhere"));
    const file = join(dir, "workers.json");
    writeFileSync(
      file,
      JSON.stringify(
        {
          volumeRoots: ["allowed"],
          volumes: { scratch: "allowed/scratch", other: "elsewhere", gone: "allowed/missing" },
          workers: {
            pycalc: { kind: "python", image: "x", env: { TKR_DIR: "/x", output_value_file: "/y" }, volume: "scrach" },
          },
        },
        null,
        2,
      ),
    );
    const m = await problems(file, { workers: workersCopy() });
    expect(m).toMatch(new RegExp(`${file}:7:14: volume 'other': .*elsewhere is outside the allowed roots`));
    expect(m).toMatch(new RegExp(`${file}:8:13: volume 'gone': .*allowed/missing is not an existing folder`));
    expect(m).toContain(`${file}:13:7: pycalc: 'image' applies to kind container, not python`);
    expect(m).toContain(
      `${file}:15:9: pycalc: 'TKR_DIR' is a variable of the worker contract, set for each task; it cannot be overridden`,
    );
    expect(m).toContain(`pycalc: 'output_value_file' is a variable of the worker contract`);
    expect(m).toContain(
      `${file}:18:17: pycalc: volume 'scrach' is not declared under 'volumes' (did you mean 'scratch'?)`,
    );
  });

  it("names the path of a problem in a configuration given as an object", async () => {
    const m = await problems({ workers: { pycalc: { kind: "container" } } });
    expect(m).toContain("config workers.pycalc: workers.pycalc needs 'image'");
    expect(await problems({ default: { kind: "python", project: "py" } })).toContain(
      "config default.project: default: 'project' names one worker's program; put it in that worker's entry",
    );
  });

  it("finds workers.yaml beside the graph module, else in the working folder", () => {
    const beside = tempDir();
    const cwd = tempDir();
    writeFileSync(join(cwd, "workers.yml"), "{}");
    expect(findPoolConfig(join(beside, "graph.ts"), cwd)).toBe(join(cwd, "workers.yml"));
    writeFileSync(join(beside, "workers.yaml"), "{}");
    expect(findPoolConfig(join(beside, "graph.ts"), cwd)).toBe(join(beside, "workers.yaml"));
    expect(findPoolConfig(undefined, tempDir())).toBeUndefined();
  });
});

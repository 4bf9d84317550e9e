#!/usr/bin/env node
// Benchmark: 100 trivial tasks (a contract launcher that reads its call args with jq, writes one
// output and _done) run three ways:
//   1. as 100 single Slurm jobs through SlurmExecutor.run,
//   2. as one Slurm job array through SlurmExecutor.runMany,
//   3. as one job array with 10 tasks packed into each element (tasksPerArrayElement: 10),
//   4. locally, spawning the same launcher with bash, as many at once as the Slurm node has CPUs.
// Prints tasks per second and per-task latency (submission or start → result known).
//
// Needs the built package (`npm run build`) and a cluster (`scripts/slurm/start.sh`; run as root).
// Usage: node bench/slurm.bench.mjs [--tasks 100] [--poll 1000]
import { execFileSync, spawn } from "node:child_process";
import { setMaxListeners } from "node:events";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { SlurmExecutor } = await import(join(repo, "dist/src/graph/executors/slurm.js"));

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const TASKS = arg("tasks", 100);
const POLL_MS = arg("poll", 1000);

execFileSync("bash", [join(repo, "scripts/slurm/start.sh")], { stdio: "inherit" });
const cpus = Number(execFileSync("sinfo", ["-h", "-o", "%c"], { encoding: "utf8" }).trim().split("\n")[0]);

const LAUNCHER = `#!/bin/bash
set -euo pipefail
def="$TKR_DIR/$1"
out=$(jq -r .outputs.value "$def")
printf '%s' "$(jq -r .function_name "$def")" >"$TKR_DIR/$out"
: >"$TKR_DIR/$(jq -r .done_path "$def")"
`;

/** A fresh checkpoint folder with `n` task nodes and a workers folder holding the launcher. */
function setup(name, n) {
  const root = mkdtempSync(join(tmpdir(), `tkr-slurm-bench-${name}-`));
  mkdirSync(join(root, "workers/bench_worker"), { recursive: true });
  writeFileSync(join(root, "workers/bench_worker/main.sh"), LAUNCHER);
  chmodSync(join(root, "workers/bench_worker/main.sh"), 0o755);
  const signal = new AbortController().signal;
  setMaxListeners(0, signal); // one listener per outstanding task
  const launches = [];
  for (let i = 0; i < n; i++) {
    const loc = `-.N1.M${i}`;
    const rel = `wf/${loc}`;
    mkdirSync(join(root, rel, "outputs"), { recursive: true });
    const definition = {
      function_name: "noop",
      inputs: {},
      outputs: { value: `${rel}/outputs/value` },
      output_dir: `${rel}/outputs`,
      done_path: `${rel}/_done`,
      error_path: `${rel}/_error`,
      logs_path: null,
    };
    writeFileSync(join(root, rel, "definition"), JSON.stringify(definition));
    launches.push({
      worker: "bench_worker",
      task: "noop",
      loc,
      root,
      workflowId: "wf",
      definitionPath: `${rel}/definition`,
      nodeDir: join(root, rel),
      signal,
    });
  }
  return { root, workersDir: join(root, "workers"), launches };
}

function summarize(name, wallMs, latencies, failures) {
  const sorted = [...latencies].sort((a, b) => a - b);
  const pick = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  return {
    way: name,
    tasks: latencies.length,
    failed: failures,
    "wall s": (wallMs / 1000).toFixed(2),
    "tasks/s": ((latencies.length / wallMs) * 1000).toFixed(1),
    "latency mean s": (mean / 1000).toFixed(2),
    "p50 s": (pick(0.5) / 1000).toFixed(2),
    "p95 s": (pick(0.95) / 1000).toFixed(2),
    "max s": (sorted.at(-1) / 1000).toFixed(2),
  };
}

/** Latency of a task: from the moment it was handed over (all at t0) until its result is known. */
async function timed(promises, t0) {
  const latencies = [];
  let failures = 0;
  await Promise.all(
    promises.map((p) =>
      p.then((r) => {
        latencies.push(performance.now() - t0);
        if (!r.ok) failures++;
      }),
    ),
  );
  return { wall: performance.now() - t0, latencies, failures };
}

async function slurm(name, useArray, tasksPerArrayElement = 1) {
  const { root, workersDir, launches } = setup("slurm", TASKS);
  const executor = new SlurmExecutor({ workersDir, pollIntervalMs: POLL_MS, tasksPerArrayElement });
  const t0 = performance.now();
  const promises = useArray ? executor.runMany(launches) : launches.map((l) => executor.run(l));
  const { wall, latencies, failures } = await timed(promises, t0);
  await executor.close();
  rmSync(root, { recursive: true, force: true });
  return summarize(name, wall, latencies, failures);
}

/** One task at a time: the latency of a single job on an idle cluster, without queueing. */
async function slurmOneByOne(n = 10) {
  const { root, workersDir, launches } = setup("slurm-serial", n);
  const executor = new SlurmExecutor({ workersDir, pollIntervalMs: POLL_MS });
  const t0 = performance.now();
  const latencies = [];
  let failures = 0;
  for (const launch of launches) {
    const start = performance.now();
    const result = await executor.run(launch);
    latencies.push(performance.now() - start);
    if (!result.ok) failures++;
  }
  const wall = performance.now() - t0;
  await executor.close();
  rmSync(root, { recursive: true, force: true });
  return summarize("Slurm single job, one at a time", wall, latencies, failures);
}

async function local() {
  const { root, workersDir, launches } = setup("local", TASKS);
  const launcher = join(workersDir, "bench_worker/main.sh");
  const t0 = performance.now();
  const latencies = [];
  let failures = 0;
  let next = 0;
  // `cpus` workers pulling from one queue: the same parallelism the Slurm node offers.
  await Promise.all(
    Array.from({ length: cpus }, async () => {
      while (next < launches.length) {
        const l = launches[next++];
        const code = await new Promise((done) =>
          spawn("bash", [launcher, l.definitionPath], { env: { ...process.env, TKR_DIR: root }, stdio: "ignore" }).on(
            "exit",
            done,
          ),
        );
        if (code !== 0) failures++;
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const wall = performance.now() - t0;
  rmSync(root, { recursive: true, force: true });
  return summarize(`local bash, ${cpus} at a time`, wall, latencies, failures);
}

console.log(`${TASKS} trivial tasks; Slurm node with ${cpus} CPUs; scheduler poll every ${POLL_MS} ms\n`);
const rows = [
  await local(),
  await slurm("Slurm single jobs", false),
  await slurm("Slurm job array", true),
  await slurm("Slurm array, 10 tasks/element", true, 10),
  await slurmOneByOne(),
];
console.table(rows);
console.log("latency: from handing all tasks over at once until each task's result is known");
console.log("(one at a time: from submitting a job until its result is known, nothing else queued)");

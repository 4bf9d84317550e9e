// Benchmarks of the graph runtime (build first: `npm run build`). Prints figures and ratios, each
// as median (min-max) over the repeats:
//  1. fan-out/fold of 1,000 trivial shell tasks vs `xargs -P <same concurrency>` starting the same
//     1,000 launcher processes (target ratio <= 1.5);
//  2. in-process tasks per second: a map at the default concurrency and at 64, and a chain
//     (target: thousands);
//  3. a chain of 100 shell tasks vs `xargs -P 1` running the same launcher 100 times;
//  4. controller peak memory (max RSS) for a 10,000-node graph, measured in a child process.
// Usage: node bench/run.bench.mjs [--tasks 1000] [--concurrency <cpus>] [--repeat 3] [--chain 100]
//        [--dist <dist folder>] (another build, to compare two versions side by side) [--nodes 0: no memory figure]
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    tasks: { type: "string", default: "1000" },
    concurrency: { type: "string", default: String(availableParallelism()) },
    repeat: { type: "string", default: "3" },
    nodes: { type: "string", default: "10000" },
    dir: { type: "string", default: tmpdir() },
    chain: { type: "string", default: "100" },
    dist: { type: "string", default: new URL("../dist", import.meta.url).pathname },
  },
});
const dist = (p) => import(pathToFileURL(join(resolve(opts.dist), p)).href);
const { graph, run, inProcessExecutor } = await dist("src/graph/index.js");
const { t, worker } = await dist("src/runtime/index.js");
const { defineWorker } = await dist("src/runtime/sdk.js");
const N = Number(opts.tasks);
const C = Number(opts.concurrency);
const REPEAT = Number(opts.repeat);

const benchWorker = worker("bench_worker", {
  copy: { inputs: { x: t.int32 }, output: t.int32 },
  inc: { inputs: { x: t.int32 }, output: t.int32 },
});
const { copy, inc } = benchWorker.tasks;
const benchImpl = defineWorker(benchWorker, { copy: ({ x }) => x, inc: ({ x }) => x + 1 });

function fanOutGraph() {
  const body = graph({ inputs: { x: t.int32 }, output: t.int32 });
  body.output(body.task(copy({ x: body.inputs.x })));
  const g = graph({ inputs: { xs: t.list(t.int32) }, output: t.list(t.int32) });
  g.output(g.map(body, { x: g.each(g.inputs.xs) }));
  return g;
}

/** A chain of `n` tasks: x+1, +1, ... (every node depends on the one before). */
function chainGraph(n) {
  const g = graph({ inputs: { x: t.int32 }, output: t.int32 });
  let ref = g.inputs.x;
  for (let i = 0; i < n; i++) ref = g.task(inc({ x: ref }));
  g.output(ref);
  return g;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
/** `median (min-max)` of a list of figures. */
const spread = (xs, digits = 0) =>
  `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}-${Math.max(...xs).toFixed(digits)})`;
const ratios = (a, b) => a.map((x, i) => x / b[i]);

async function shellFanOut() {
  const dir = mkdtempSync(join(opts.dir, "tw-bench-"));
  const workers = join(dir, "workers");
  mkdirSync(join(workers, "bench_worker"), { recursive: true });
  // The trivial task: one bash process copying its input to its output (a hand-written launcher).
  const script = join(workers, "bench_worker", "main.sh");
  writeFileSync(script, '#!/usr/bin/env bash\ncat "$input_x_file" > "$output_value_file"\n');
  const xs = Array.from({ length: N }, (_, i) => i);
  const g = fanOutGraph();

  // xargs: the same N launcher processes with the same parallelism, each given its two files.
  const xdir = join(dir, "xargs");
  mkdirSync(join(xdir, "in"), { recursive: true });
  mkdirSync(join(xdir, "out"), { recursive: true });
  for (const i of xs) writeFileSync(join(xdir, "in", String(i)), String(i));
  const list = xs.join("\n");
  const xargsTimes = [];
  const ourTimes = [];
  for (let r = 0; r < REPEAT; r++) {
    let t0 = process.hrtime.bigint();
    execFileSync(
      "xargs",
      [
        "-P",
        String(C),
        "-I{}",
        "env",
        `input_x_file=${xdir}/in/{}`,
        `output_value_file=${xdir}/out/{}`,
        "bash",
        script,
        "def",
      ],
      { input: list },
    );
    xargsTimes.push(ms(t0));

    const root = join(dir, `runs${r}`);
    t0 = process.hrtime.bigint();
    const out = await run(g, { xs }, { root, workflowId: "fan", workers, concurrency: C });
    ourTimes.push(ms(t0));
    if (out.value.length !== N || out.value[N - 1] !== N - 1) throw new Error("wrong result from the fan-out graph");
  }
  rmSync(dir, { recursive: true, force: true });
  return { xargs: xargsTimes, ours: ourTimes };
}

/** A chain of shell tasks (each starts when the one before ended) vs `xargs -P 1` running as many launchers. */
async function shellChain() {
  const M = Number(opts.chain);
  const dir = mkdtempSync(join(opts.dir, "tw-bench-"));
  const workers = join(dir, "workers");
  mkdirSync(join(workers, "bench_worker"), { recursive: true });
  const script = join(workers, "bench_worker", "main.sh");
  writeFileSync(script, '#!/usr/bin/env bash\necho $(( $(cat "$input_x_file") + 1 )) > "$output_value_file"\n');
  const g = chainGraph(M);
  const xdir = join(dir, "xargs");
  mkdirSync(xdir, { recursive: true });
  writeFileSync(join(xdir, "0"), "0");
  const list = Array.from({ length: M }, (_, i) => `${i} ${i + 1}`).join("\n");
  const xargsTimes = [];
  const ourTimes = [];
  for (let r = 0; r < REPEAT; r++) {
    let t0 = process.hrtime.bigint();
    execFileSync(
      "xargs",
      [
        "-P",
        "1",
        "-L",
        "1",
        "sh",
        "-c",
        `input_x_file=${xdir}/$0 output_value_file=${xdir}/$1 exec bash ${script} def`,
      ],
      { input: list },
    );
    xargsTimes.push(ms(t0));
    t0 = process.hrtime.bigint();
    const out = await run(g, { x: 0 }, { root: join(dir, `runs${r}`), workflowId: "chain", workers });
    ourTimes.push(ms(t0));
    if (out.value !== M) throw new Error("wrong result from the shell chain");
  }
  rmSync(dir, { recursive: true, force: true });
  return { xargs: xargsTimes, ours: ourTimes, tasks: M };
}

async function inProcessRate() {
  const dir = mkdtempSync(join(opts.dir, "tw-bench-"));
  const executor = inProcessExecutor(benchImpl);
  const xs = Array.from({ length: N * 2 }, (_, i) => i);
  const g = fanOutGraph();
  const chain = chainGraph(N);
  const fan = [];
  const fanDefault = [];
  const seq = [];
  for (let r = 0; r < REPEAT; r++) {
    let t0 = process.hrtime.bigint();
    await run(g, { xs }, { root: dir, workflowId: `fan${r}`, executor, concurrency: 64 });
    fan.push(ms(t0));
    t0 = process.hrtime.bigint();
    await run(g, { xs }, { root: dir, workflowId: `fandefault${r}`, executor });
    fanDefault.push(ms(t0));
    t0 = process.hrtime.bigint();
    const out = await run(chain, { x: 0 }, { root: dir, workflowId: `chain${r}`, executor });
    seq.push(ms(t0));
    if (out.value !== N) throw new Error("wrong chain result");
  }
  rmSync(dir, { recursive: true, force: true });
  const perSec = (n) => (times) => times.map((t) => (n / t) * 1000);
  return {
    fan: perSec(xs.length)(fan),
    fanDefault: perSec(xs.length)(fanDefault),
    chain: perSec(N)(seq),
    mapSize: xs.length,
  };
}

/** In a child process: run a 10,000-node graph in-process and report the peak RSS. */
async function memoryChild(nodes) {
  const dir = mkdtempSync(join(opts.dir, "tw-bench-"));
  const chain = chainGraph(nodes - 2); // + input + output nodes
  const before = process.memoryUsage().rss;
  const t0 = process.hrtime.bigint();
  await run(chain, { x: 0 }, { root: dir, workflowId: "mem", executor: inProcessExecutor(benchImpl) });
  const took = ms(t0);
  rmSync(dir, { recursive: true, force: true });
  console.log(
    JSON.stringify({
      nodes: chain.data.nodes.length,
      maxRssMB: process.resourceUsage().maxRSS / 1024,
      baseRssMB: before / 2 ** 20,
      ms: took,
    }),
  );
}

if (positionals[0] === "memory-child") {
  await memoryChild(Number(opts.nodes));
} else {
  console.log(`graph runtime benchmark (${opts.dist}): ${N} tasks, concurrency ${C}; median (min-max) of ${REPEAT}`);
  const fan = await shellFanOut();
  console.log(
    `1. fan-out/fold of ${N} shell tasks: ${spread(fan.ours)} ms; xargs -P ${C}: ${spread(fan.xargs)} ms; ratio ${spread(ratios(fan.ours, fan.xargs), 2)} (target <= 1.5)`,
  );
  const rate = await inProcessRate();
  console.log(
    `2. in-process tasks/s: map of ${rate.mapSize} at default concurrency ${spread(rate.fanDefault)}, at 64 ${spread(rate.fan)}; chain of ${N} ${spread(rate.chain)} (target: thousands)`,
  );
  const chain = await shellChain();
  console.log(
    `3. chain of ${chain.tasks} shell tasks: ${spread(chain.ours)} ms; xargs -P 1: ${spread(chain.xargs)} ms; ratio ${spread(ratios(chain.ours, chain.xargs), 2)}`,
  );
  if (Number(opts.nodes) === 0) process.exit(0);
  const child = spawnSync(
    process.execPath,
    [new URL(import.meta.url).pathname, "memory-child", "--nodes", opts.nodes, "--dir", opts.dir, "--dist", opts.dist],
    {
      encoding: "utf8",
    },
  );
  if (child.status !== 0) throw new Error(child.stderr);
  const mem = JSON.parse(child.stdout.trim().split("\n").pop());
  console.log(
    `4. controller peak memory, ${mem.nodes}-node graph run in-process: max RSS ${mem.maxRssMB.toFixed(0)} MB (process at start ${mem.baseRssMB.toFixed(0)} MB), ${mem.ms.toFixed(0)} ms`,
  );
}

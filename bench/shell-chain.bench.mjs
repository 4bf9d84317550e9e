// A chain of shell tasks (each starts when the one before has ended) against `xargs -P 1` running
// the same launcher processes one after the other: what the controller adds between one task's
// exit and the next start. Build first (`npm run build`).
// Usage: node bench/shell-chain.bench.mjs [--tasks 200] [--repeat 5]
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { graph, run } from "../dist/src/graph/index.js";
import { t, task } from "../dist/src/runtime/index.js";
import { sharedSpawner } from "../dist/src/graph/executors/spawner.js";

const { values: opts } = parseArgs({
  options: {
    tasks: { type: "string", default: "200" },
    repeat: { type: "string", default: "5" },
    dir: { type: "string", default: tmpdir() },
  },
});
const N = Number(opts.tasks);
const REPEAT = Number(opts.repeat);

const inc = task({
  worker: "bench_worker",
  name: "inc",
  inputs: [{ name: "x", type: t.int32 }],
  outputs: [{ name: "value", type: t.int32 }],
  shape: "value",
});
const g = graph({ inputs: { x: t.int32 }, output: t.int32 });
let ref = g.inputs.x;
for (let i = 0; i < N; i++) ref = g.task(inc({ x: ref }));
g.output(ref);

const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0], median: s[Math.floor(s.length / 2)], max: s[s.length - 1] };
};
const fmt = ({ min, median, max }) => `min ${min.toFixed(2)} / median ${median.toFixed(2)} / max ${max.toFixed(2)}`;

const dir = mkdtempSync(join(opts.dir, "tw-bench-"));
const workers = join(dir, "workers");
mkdirSync(join(workers, "bench_worker"), { recursive: true });
const script = join(workers, "bench_worker", "main.sh");
writeFileSync(script, '#!/usr/bin/env bash\necho $(( $(cat "$input_x_file") + 1 )) > "$output_value_file"\n');
const xdir = join(dir, "xargs");
mkdirSync(xdir, { recursive: true });
writeFileSync(join(xdir, "0"), "0");
const list = Array.from({ length: N }, (_, i) => String(i + 1)).join("\n");

// Controller time, measured directly: from the helper's exit report of one task to the request
// that starts the next (the helper's own latency is in the comparison with xargs).
const gaps = [];
let lastExit;
const onData = sharedSpawner.onData.bind(sharedSpawner);
sharedSpawner.onData = (chunk) => {
  if (/^E /m.test(chunk)) lastExit = process.hrtime.bigint();
  onData(chunk);
};
const startRun = sharedSpawner.run.bind(sharedSpawner);
sharedSpawner.run = (r) => {
  if (lastExit !== undefined) gaps.push(ms(lastExit));
  lastExit = undefined;
  return startRun(r);
};

const xargs = [];
const ours = [];
const cpu = [];
for (let r = 0; r < REPEAT; r++) {
  let t0 = process.hrtime.bigint();
  execFileSync(
    "xargs",
    ["-P", "1", "-I{}", "env", `input_x_file=${xdir}/0`, `output_value_file=${xdir}/{}`, "bash", script, "def"],
    { input: list },
  );
  xargs.push(ms(t0) / N);
  t0 = process.hrtime.bigint();
  lastExit = undefined;
  const c0 = process.cpuUsage();
  const out = await run(g, { x: 0 }, { root: join(dir, `runs${r}`), workflowId: "chain", workers });
  ours.push(ms(t0) / N);
  const c = process.cpuUsage(c0);
  cpu.push((c.user + c.system) / 1000 / N);
  if (out.value !== N) throw new Error(`wrong chain result ${out.value}`);
}
rmSync(dir, { recursive: true, force: true });
const gap = ours.map((o, i) => o - xargs[i]);
console.log(`shell chain of ${N} tasks, ${REPEAT} runs, ms per task:`);
console.log(`  ours:       ${fmt(stats(ours))}`);
console.log(`  xargs -P 1: ${fmt(stats(xargs))}`);
console.log(`  controller time per task (ours - xargs, same run): ${fmt(stats(gap))}`);
console.log(`  controller, exit report to next start: ${fmt(stats(gaps))}`);
console.log(`  controller CPU (user + system, all threads): ${fmt(stats(cpu))}`);
console.log(`  ratio (median): ${(stats(ours).median / stats(xargs).median).toFixed(2)}`);

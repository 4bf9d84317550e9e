// The cost of the `tierkreis` run layout against the default one (build first: `npm run build`).
// Each repeat runs the same graphs in both layouts, one after the other, so the ratio
// tierkreis/default is measured under the same load; figures are median (min-max) over repeats.
//  1. a map of <tasks> in-process tasks (the worst case: a task costs only its file operations,
//     and each element is a graph instance, which the tierkreis layout gives folders of its own);
//  2. a loop of <iterations> iterations of one in-process task;
//  3. a map of <shell> shell tasks (a process each: what a real worker costs).
// Usage: node bench/layout.bench.mjs [--tasks 500] [--iterations 200] [--shell 100] [--repeat 5]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

const { values: opts } = parseArgs({
  options: {
    tasks: { type: "string", default: "500" },
    iterations: { type: "string", default: "200" },
    shell: { type: "string", default: "100" },
    repeat: { type: "string", default: "5" },
  },
});
const { graph, run } = await import("../dist/src/graph/index.js");
const { t, task, worker } = await import("../dist/src/runtime/index.js");
const { defineWorker } = await import("../dist/src/runtime/sdk.js");

const inc = task({
  worker: "bench_worker",
  name: "inc",
  inputs: [{ name: "x", type: t.int32 }],
  outputs: [{ name: "value", type: t.int32 }],
  shape: "value",
});
const more = task({
  worker: "bench_worker",
  name: "more",
  inputs: [
    { name: "x", type: t.int32 },
    { name: "n", type: t.int32 },
  ],
  outputs: [{ name: "value", type: t.boolean }],
  shape: "value",
});
const impl = defineWorker(worker("bench_worker", { inc, more }), { inc: ({ x }) => x + 1, more: ({ x, n }) => x < n });

function mapGraph() {
  const body = graph({ inputs: { x: t.int32 }, output: t.int32 });
  body.output(body.task(inc({ x: body.inputs.x })));
  const g = graph({ inputs: { xs: t.list(t.int32) }, output: t.list(t.int32) });
  g.output(g.map(body, { x: g.each(g.inputs.xs) }));
  return g;
}

function loopGraph() {
  const body = graph({ inputs: { x: t.int32, n: t.int32 }, output: { x: t.int32, should_continue: t.boolean } });
  const next = body.task(inc({ x: body.inputs.x }));
  body.output({ x: next, should_continue: body.task(more({ x: next, n: body.inputs.n })) });
  const g = graph({ inputs: { n: t.int32 }, output: t.int32 });
  g.output(g.loop(body, { x: g.const(0, t.int32), n: g.inputs.n }, { name: "count" }).x);
  return g;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const spread = (xs, digits = 0) =>
  `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}-${Math.max(...xs).toFixed(digits)})`;
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;

const dir = mkdtempSync(join(tmpdir(), "tw-bench-layout-"));
const workers = join(dir, "workers");
mkdirSync(join(workers, "bench_worker"), { recursive: true });
// The launcher contract: inputs and outputs as files named in the environment (see docs/launchers.md).
writeFileSync(
  join(workers, "bench_worker", "main.sh"),
  '#!/usr/bin/env bash\necho $(( $(cat "$input_x_file") + 1 )) > "$output_value_file"\n',
);

const N = Number(opts.tasks);
const cases = [
  {
    name: `map of ${N} in-process tasks`,
    graph: mapGraph(),
    inputs: { xs: Array.from({ length: N }, (_, i) => i) },
    options: { executors: { bench_worker: impl } },
  },
  {
    name: `loop of ${opts.iterations} iterations, in-process`,
    graph: loopGraph(),
    inputs: { n: Number(opts.iterations) },
    options: { executors: { bench_worker: impl } },
  },
  {
    name: `map of ${opts.shell} shell tasks`,
    graph: mapGraph(),
    inputs: { xs: Array.from({ length: Number(opts.shell) }, (_, i) => i) },
    options: { workers, executors: { bench_worker: "shell" } },
  },
];

const loadavg = async () =>
  (await import("node:os"))
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(" ");
console.log(`load average before: ${await loadavg()}`);
for (const c of cases) {
  const times = { default: [], tierkreis: [] };
  for (let r = 0; r < Number(opts.repeat); r++) {
    // Alternate which layout goes first, so neither always meets a warmer cache.
    const order = r % 2 ? ["tierkreis", "default"] : ["default", "tierkreis"];
    for (const layout of order) {
      const root = mkdtempSync(join(dir, "runs-"));
      const t0 = process.hrtime.bigint();
      await run(c.graph, c.inputs, { root, layout, ...c.options });
      times[layout].push(ms(t0));
      rmSync(root, { recursive: true, force: true });
    }
  }
  const ratio = times.tierkreis.map((x, i) => x / times.default[i]);
  console.log(
    `${c.name}: default ${spread(times.default)} ms, tierkreis ${spread(times.tierkreis)} ms; ` +
      `tierkreis/default ${spread(ratio, 2)}`,
  );
}
console.log(`load average after: ${await loadavg()}`);
rmSync(dir, { recursive: true, force: true });

// Benchmark of long-lived workers (build first: `npm run build`). A map of trivial `add` tasks,
// side by side in one run, through:
//  - a persistent TypeScript worker (the SDK's defineWorker handlers, started with --persistent),
//  - the same handlers as one Node process per task (the baseline to beat 20x),
//  - the same handlers in-process (the ceiling: the persistent worker should be within 2x),
//  - a persistent Python worker, against `python3 main.py` per task.
// Rates are tasks per second; ratios are of medians, each line printing min/median/max over the
// repeats. Process-per-task baselines run fewer tasks (--baseline-tasks) since each costs a start.
// Usage: node bench/persistent.bench.mjs [--tasks 1000] [--baseline-tasks 200] [--concurrency <cpus>] [--repeat 3]
import { execFileSync } from "node:child_process";
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { graph, inProcessExecutor, nodeExecutor, persistentExecutor, run } from "../dist/src/graph/index.js";
import { t } from "../dist/src/runtime/index.js";

const { values: opts } = parseArgs({
  options: {
    tasks: { type: "string", default: "1000" },
    "baseline-tasks": { type: "string", default: "200" },
    concurrency: { type: "string", default: String(availableParallelism()) },
    repeat: { type: "string", default: "3" },
  },
});
const N = Number(opts.tasks);
const NB = Number(opts["baseline-tasks"]);
const C = Number(opts.concurrency);
const REPEAT = Number(opts.repeat);

const repo = join(import.meta.dirname, "..");
const out = join(repo, "bench/.out");
mkdirSync(out, { recursive: true });
const project = mkdtempSync(join(out, "persistent-"));
cpSync(join(repo, "test/fixtures/persistent/project"), project, { recursive: true });
execFileSync(join(repo, "node_modules/.bin/tsp"), ["compile", "."], { cwd: project, stdio: "ignore" });
const workers = join(project, "workers");
copyFileSync(join(repo, "test/fixtures/persistent/pw_worker.ts"), join(workers, "pw_worker/main.ts"));
copyFileSync(join(repo, "test/fixtures/persistent/py_worker/main.py"), join(workers, "py_worker/main.py"));
const stubs = {
  pw: (await import(join(workers, "pw_worker/stubs.ts"))).pwWorker.tasks,
  py: (await import(join(workers, "py_worker/stubs.ts"))).pyWorker.tasks,
};
const tsImpl = (await import(join(workers, "pw_worker/main.ts"))).default;

function mapGraph(s) {
  const one = graph({ inputs: { x: t.int32 }, output: t.int32 });
  one.output(one.task(s.add({ a: one.inputs.x, b: one.const(1) })));
  const g = graph({ inputs: { xs: t.list(t.int32) }, output: t.list(t.int32) });
  g.output(g.map(one, { x: g.each(g.inputs.xs) }));
  return g;
}

let runs = 0;
/** Tasks per second of one run of `n` tasks through `executor`. */
async function rate(which, n, executor) {
  const xs = Array.from({ length: n }, (_, i) => i);
  const root = join(project, `runs-${runs++}`);
  const t0 = process.hrtime.bigint();
  const r = await run(mapGraph(stubs[which]), { xs }, { root, concurrency: C, executors: { default: executor() } });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.value.length !== n || r.value[n - 1] !== n) throw new Error(`wrong result from ${which}`);
  rmSync(root, { recursive: true, force: true });
  return n / s;
}

async function series(label, which, n, executor) {
  const rates = [];
  for (let i = 0; i < REPEAT; i++) rates.push(await rate(which, n, executor));
  rates.sort((a, b) => a - b);
  const med = rates[Math.floor(rates.length / 2)];
  console.log(
    `${label.padEnd(44)} ${med.toFixed(0).padStart(6)} tasks/s  (min ${rates[0].toFixed(0)}, max ${rates.at(-1).toFixed(0)}; ${n} tasks)`,
  );
  return med;
}

console.log(`map of trivial tasks, concurrency ${C}, ${REPEAT} runs each`);
const tsPersistent = await series("TypeScript, persistent (instances = concurrency)", "pw", N, () =>
  persistentExecutor({ workers, instances: C }),
);
const tsInProcess = await series("TypeScript, in-process", "pw", N, () => inProcessExecutor(tsImpl));
const tsProcess = await series("TypeScript, one node process per task", "pw", NB, () =>
  nodeExecutor({ files: { pw_worker: join(workers, "pw_worker/main.ts") } }),
);
const pyPersistent = await series("Python, persistent", "py", N, () => persistentExecutor({ workers, instances: C }));
const pyProcess = await series("Python, `python3 main.py` per task", "py", NB, () =>
  nodeExecutor({ files: { py_worker: join(workers, "py_worker/main.py") }, node: "python3" }),
);
console.log("");
console.log(
  `TypeScript persistent vs process per task: ${(tsPersistent / tsProcess).toFixed(1)}x faster (target >= 20x)`,
);
console.log(
  `TypeScript persistent vs in-process:       ${(tsInProcess / tsPersistent).toFixed(2)}x slower (target <= 2x)`,
);
console.log(`Python persistent vs python3 per task:     ${(pyPersistent / pyProcess).toFixed(1)}x faster`);
rmSync(project, { recursive: true, force: true });

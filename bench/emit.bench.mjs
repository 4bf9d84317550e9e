// Emitting cost, as a ratio: `tsp compile` with the typespec-workers emitter against
// `tsp compile --no-emit` on the same generated spec (200 interfaces × 10 operations), runs
// interleaved so that both see the same machine load. Target: ratio ≤ 2.0.
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

const root = new URL("..", import.meta.url).pathname;
const dir = join(root, "bench/.out/emit");
const interfaces = Number(process.env.BENCH_INTERFACES ?? 200);
const operations = Number(process.env.BENCH_OPERATIONS ?? 10);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);

function spec() {
  const lines = ['import "typespec-workers";', "using Workers;", ""];
  for (let i = 0; i < interfaces; i++) {
    lines.push(
      `/** Result of worker ${i}. */`,
      "@portmapping",
      `model Result${i} { total: int64; label: string; data: bytes; }`,
    );
    lines.push(`model Item${i} { id: int32; tags: string[]; weight?: float64; }`);
    lines.push(`/** Worker ${i}. */`, `interface worker_${i} {`);
    for (let j = 0; j < operations; j++) {
      const ret = j % 2 === 0 ? `Result${i}` : "boolean";
      lines.push(
        `  /** Operation ${j}. */`,
        `  op_${j}(items: Item${i}[], scale: float64 = 1.0, name?: string): ${ret};`,
      );
    }
    lines.push("}", "");
  }
  return lines.join("\n");
}

rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, "main.tsp"), spec());

const tsp = join(root, "node_modules/.bin/tsp");
const env = { ...process.env, PATH: `${join(root, "node_modules/.bin")}:${process.env.PATH}` };
function time(args) {
  const start = performance.now();
  execFileSync(tsp, ["compile", ".", ...args], { cwd: dir, env, stdio: "pipe" });
  return performance.now() - start;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
time(["--no-emit"]); // warm the file cache and node's compile cache
const baseline = [];
const emitting = [];
for (let r = 0; r < rounds; r++) {
  baseline.push(time(["--no-emit"]));
  emitting.push(time(["--emit", "typespec-workers", "--output-dir", join(dir, "out")]));
}
const ratio = median(emitting) / median(baseline);
// Each round's emitting time against its own no-emit baseline (the two ran back to back).
const ratios = emitting.map((e, i) => e / baseline[i]).sort((a, b) => a - b);
console.log(`spec: ${interfaces} interfaces × ${operations} operations, ${rounds} interleaved rounds`);
console.log(`tsp compile --no-emit:               median ${median(baseline).toFixed(0)} ms`);
console.log(`tsp compile --emit typespec-workers: median ${median(emitting).toFixed(0)} ms`);
console.log(`ratio: ${ratio.toFixed(2)} (target ≤ 2.0) ${ratio <= 2 ? "ok" : "OVER TARGET"}`);
console.log(
  `per-round ratios: min ${ratios[0].toFixed(2)}, median ${median(ratios).toFixed(2)}, max ${ratios.at(-1).toFixed(2)}`,
);

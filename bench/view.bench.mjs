// Benchmark of the run viewer (build first: `npm run build`). Prints:
//  1. opening a run of 10,000 task nodes (a map of 10,000 elements): server time to read the run
//     directory, and to the first byte-complete snapshot pushed to a page (target < 2 s);
//  2. responsiveness while the run writes 100 node updates a second (10 s by default): delay from
//     a task's `_done` being written to the page receiving its new state, delay of node-detail
//     requests made meanwhile, and the server's CPU time spent re-reading.
// The run directory is written by this script in the layout the controller writes (nothing runs).
// Usage: node bench/view.bench.mjs [--nodes 10000] [--rate 100] [--seconds 10]
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { graph } from "../dist/src/graph/index.js";
import { t, task } from "../dist/src/runtime/index.js";
import { startViewer } from "../dist/src/view/server.js";

const { values: opts } = parseArgs({
  options: {
    nodes: { type: "string", default: "10000" },
    rate: { type: "string", default: "100" },
    seconds: { type: "string", default: "10" },
  },
});
const N = Number(opts.nodes);
const RATE = Number(opts.rate);
const SECONDS = Number(opts.seconds);

const step = task({
  worker: "bench_worker",
  name: "step",
  inputs: [{ name: "x", type: t.int32 }],
  outputs: [{ name: "value", type: t.int32 }],
  shape: "value",
});
const body = graph({ inputs: { x: t.int32 }, output: t.int32, name: "one" });
body.output(body.task(step({ x: body.inputs.x })));
const g = graph({ inputs: { xs: t.list(t.int32) }, output: t.list(t.int32), name: "wide" });
g.output(g.map(body, { x: g.each(g.inputs.xs) }));

const root = mkdtempSync(join(tmpdir(), "tw-view-bench-"));
const wid = "wide";
const dir = join(root, wid);
const loc = (e) => `-.N3.M${e}.N1`;

/** The run as the controller leaves it part way: the first half done, the second half started. */
function writeRun() {
  mkdirSync(join(dir, ".N-1", "outputs"), { recursive: true });
  writeFileSync(
    join(dir, "_metadata"),
    `{"name": "wide", "start_time": "${new Date().toISOString().slice(0, 23)}000"}`,
  );
  writeFileSync(
    join(dir, "_signature"),
    JSON.stringify({ name: "wide", ...g.signature, tasks: [...g.tasks.values()] }),
  );
  writeFileSync(join(dir, ".N-1", "outputs", "xs"), `[${Array.from({ length: N }, (_, i) => i).join(", ")}]`);
  writeFileSync(join(dir, "logs"), "");
  for (const [l, files] of [
    ["-.N1", { nodedef: '{"type":"function"}', _done: "" }],
    ["-.N3", { nodedef: '{"type":"map"}' }],
  ]) {
    mkdirSync(join(dir, l, "outputs"), { recursive: true });
    for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, l, f), text);
  }
  for (let e = 0; e < N; e++) {
    const d = join(dir, loc(e));
    mkdirSync(join(d, "outputs"), { recursive: true });
    writeFileSync(
      join(d, "nodedef"),
      '{"function_name":"bench_worker.step","inputs":{"x":[-1,"x"]},"outputs":["value"],"type":"function"}',
    );
    writeFileSync(
      join(d, "definition"),
      JSON.stringify({ function_name: "step", inputs: { x: `${wid}/-.N1/outputs/${e}` } }),
    );
    writeFileSync(join(d, "errors"), "");
    if (e < N / 2) {
      writeFileSync(join(d, "outputs", "value"), String(e));
      writeFileSync(join(d, "_done"), "");
    }
  }
  // The graph last, as the controller does.
  writeFileSync(join(dir, ".N-1", "outputs", "body"), g.serialize());
}

function get(port, path) {
  return new Promise((ok, fail) => {
    const t0 = performance.now();
    request({ host: "127.0.0.1", port, path }, (res) => {
      res.resume();
      res.on("end", () => ok(performance.now() - t0));
    })
      .on("error", fail)
      .end();
  });
}

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
const ms = (x) => `${x.toFixed(1)} ms`;

writeRun();
console.log(`run of ${N} task nodes (${N / 2} done, ${N / 2} running) at ${dir}`);

// The floor: listing every node folder and reading one file's times, with nothing else done.
{
  const t0 = performance.now();
  for (const e of readdirSync(dir))
    if (e.startsWith("-.") && statSync(join(dir, e, "nodedef"), { throwIfNoEntry: false })) readdirSync(join(dir, e));
  console.log(
    `floor: one readdir and one stat per node folder ${ms(performance.now() - t0)} (load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} CPUs)`,
  );
}

// 1. Open.
const cpuOpen = process.cpuUsage();
const v = await startViewer({ targets: [dir] });
const port = Number(new URL(v.url).port);
const opened = performance.now();
const snapshotBytes = await new Promise((ok, fail) => {
  let bytes = 0;
  const req = request({ host: "127.0.0.1", port, path: `/api/events?run=${wid}` }, (res) => {
    let buf = "";
    res.setEncoding("utf8");
    res.on("data", (d) => {
      buf += d;
      bytes += Buffer.byteLength(d);
      const end = buf.indexOf("\n\n");
      if (end < 0) return;
      const first = buf.slice(0, end);
      buf = buf.slice(end + 2);
      if (!first.startsWith("event: snapshot")) return;
      ok(bytes);
      listen(res, buf);
    });
  });
  req.on("error", fail);
  req.end();
});
const openMs = performance.now() - opened;
const openCpu = process.cpuUsage(cpuOpen);
const watch = v.watches.get(wid);
console.log(
  `open: read the run directory ${ms(watch.timing.loadMs)}; first snapshot at the page ${ms(openMs)} ` +
    `(${(snapshotBytes / 1e6).toFixed(1)} MB; server CPU ${ms((openCpu.user + openCpu.system) / 1000)})`,
);

// 2. Updates while the run writes RATE `_done` markers a second.
const writtenAt = new Map();
const delays = [];
function listen(res, rest) {
  let buf = rest;
  res.on("data", (d) => {
    buf += d;
    let end;
    while ((end = buf.indexOf("\n\n")) >= 0) {
      const ev = buf.slice(0, end);
      buf = buf.slice(end + 2);
      if (!ev.startsWith("event: update")) continue;
      const data = JSON.parse(ev.slice(ev.indexOf("data: ") + 6));
      const now = performance.now();
      for (const [l, , , state] of data.nodes) {
        const t = writtenAt.get(l);
        if (t !== undefined && state === "done") {
          delays.push(now - t);
          writtenAt.delete(l);
        }
      }
    }
  });
}

const cpu0 = { ...watch.timing };
const requestDelays = [];
const total = Math.min(N / 2, RATE * SECONDS);
let next = N / 2;
const started = performance.now();
await new Promise((done) => {
  const tick = setInterval(() => {
    // As many markers as are due by now, so that the rate holds even if a tick is late.
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * RATE));
    while (next - N / 2 < due) {
      const l = loc(next++);
      writeFileSync(join(dir, l, "outputs", "value"), "1");
      writeFileSync(join(dir, l, "_done"), "");
      writtenAt.set(l, performance.now());
    }
    if (next - N / 2 >= total) {
      clearInterval(tick);
      done();
    }
  }, 5);
  const probe = setInterval(async () => {
    if (next - N / 2 >= total) return clearInterval(probe);
    requestDelays.push(await get(port, `/api/node?run=${wid}&loc=${encodeURIComponent(loc(next - 1))}`));
  }, 100);
});
for (let i = 0; i < 200 && writtenAt.size; i++) await new Promise((r) => setTimeout(r, 50));
const elapsed = (performance.now() - started) / 1000;
const refreshMs = watch.timing.refreshMs - cpu0.refreshMs;
console.log(
  `updates: ${total} tasks marked done over ${elapsed.toFixed(1)} s (${(total / elapsed).toFixed(0)}/s); ` +
    `${delays.length} seen by the page, ${writtenAt.size} missed`,
);
console.log(
  `  write → page: median ${ms(pct(delays, 50))}, p95 ${ms(pct(delays, 95))}, max ${ms(Math.max(...delays))}`,
);
console.log(
  `  node detail requests meanwhile: median ${ms(pct(requestDelays, 50))}, p95 ${ms(pct(requestDelays, 95))}, max ${ms(Math.max(...requestDelays))}`,
);
console.log(
  `  server re-reading: ${ms(refreshMs)} over ${watch.timing.refreshes - cpu0.refreshes} refreshes (${((refreshMs / (elapsed * 1000)) * 100).toFixed(1)}% of one core)`,
);
await v.close();
if (!process.env.KEEP) rmSync(root, { recursive: true, force: true });

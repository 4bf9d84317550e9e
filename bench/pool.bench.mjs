// Benchmark of the worker pool (build first: `npm run build`): a map of trivial Python tasks run
// through a workers.yaml `kind: python` entry, against `xargs -P <same concurrency>` starting the
// same `python main.py <definition>` processes on the same definitions; then the container kind
// (bwrap, and podman where it runs) against the engine started the same way by xargs. Prints
// min/median/max and the ratio of medians.
// Usage: node bench/pool.bench.mjs [--tasks 500] [--container-tasks 50] [--podman-tasks 20]
//        [--concurrency <cpus>] [--repeat 3]
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { graph, poolOptions, run } from "../dist/src/graph/index.js";
import { t, task } from "../dist/src/runtime/index.js";

const { values: opts } = parseArgs({
  options: {
    tasks: { type: "string", default: "500" },
    "container-tasks": { type: "string", default: "50" },
    "podman-tasks": { type: "string", default: "20" },
    concurrency: { type: "string", default: String(availableParallelism()) },
    repeat: { type: "string", default: "3" },
    dir: { type: "string", default: tmpdir() },
  },
});
const C = Number(opts.concurrency);
const REPEAT = Number(opts.repeat);

const copy = task({
  worker: "copy_worker",
  name: "copy",
  inputs: [{ name: "x", type: t.int32 }],
  outputs: [{ name: "value", type: t.int32 }],
  shape: "value",
});

function fanOut() {
  const body = graph({ inputs: { x: t.int32 }, output: t.int32 });
  body.output(body.task(copy({ x: body.inputs.x })));
  const g = graph({ inputs: { xs: t.list(t.int32) }, output: t.list(t.int32) });
  g.output(g.map(body, { x: g.each(g.inputs.xs) }));
  return g;
}

const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0], median: s[Math.floor(s.length / 2)], max: s[s.length - 1] };
};
const show = (s) => `min ${s.min.toFixed(0)} / median ${s.median.toFixed(0)} / max ${s.max.toFixed(0)} ms`;

/** `n` definition files as the controller writes them, for the baseline's processes. */
function baselineDefinitions(root, n) {
  for (let i = 0; i < n; i++) {
    const loc = join(root, "wf", String(i));
    mkdirSync(join(loc, "outputs"), { recursive: true });
    writeFileSync(join(loc, "x"), String(i));
    const rel = (p) => `wf/${i}/${p}`;
    writeFileSync(
      join(loc, "definition"),
      JSON.stringify({
        function_name: "copy",
        inputs: { x: rel("x") },
        outputs: { value: rel("outputs/value") },
        output_dir: rel("outputs"),
        done_path: rel("_done"),
        error_path: rel("_error"),
        logs_path: null,
      }),
    );
  }
}

/** Runs the graph through `config` and, on the same definitions, xargs running `argv... <definition>`. */
async function compare(label, n, config, workers, baseline) {
  const g = fanOut();
  const xs = Array.from({ length: n }, (_, i) => i);
  const pool = await poolOptions(config, { graph: g, workers });
  const ours = [];
  const xargs = [];
  for (let r = 0; r < REPEAT; r++) {
    const broot = mkdtempSync(join(opts.dir, "tw-pool-bench-x-"));
    baselineDefinitions(broot, n);
    let t0 = process.hrtime.bigint();
    execFileSync("xargs", ["-P", String(C), "-I{}", ...baseline(broot), "wf/{}/definition"], {
      input: xs.join("\n"),
      cwd: join(workers, "copy_worker"),
      env: { ...process.env, TKR_DIR: broot },
    });
    xargs.push(ms(t0));
    if (!existsSync(join(broot, "wf", String(n - 1), "_done"))) throw new Error(`${label}: the baseline did not run`);
    rmSync(broot, { recursive: true, force: true });

    const root = mkdtempSync(join(opts.dir, "tw-pool-bench-"));
    t0 = process.hrtime.bigint();
    const out = await run(g, { xs }, { root, workflowId: "fan", concurrency: C, ...pool });
    ours.push(ms(t0));
    if (out.value.length !== n || out.value[n - 1] !== n - 1) throw new Error(`${label}: wrong result`);
    rmSync(root, { recursive: true, force: true });
  }
  const [o, x] = [stats(ours), stats(xargs)];
  console.log(
    `${label}: pool ${show(o)}; xargs -P ${C} ${show(x)}; ratio of medians ${(o.median / x.median).toFixed(2)}`,
  );
}

const dir = mkdtempSync(join(opts.dir, "tw-pool-bench-w-"));
const workers = join(dir, "workers");
cpSync(new URL("./pool", import.meta.url).pathname, workers, { recursive: true });
// The interpreter itself, not a launcher script in front of it (pyenv's shim costs ~0.3 s a start).
const python = execFileSync("python3", ["-c", "import sys; print(sys.executable)"], { encoding: "utf8" }).trim();
const main = join(workers, "copy_worker", "main.py");
console.log(`worker pool benchmark: concurrency ${C}, ${REPEAT} rounds, python ${python}`);
await compare(
  `1. ${opts.tasks} Python tasks`,
  Number(opts.tasks),
  { workers: { copy_worker: { kind: "python", python, uv: false } } },
  workers,
  () => [python, main],
);

const busybox = ["/usr/bin/busybox", "/bin/busybox"].find((p) => existsSync(p));
let bwrap;
try {
  bwrap = execFileSync("sh", ["-c", "command -v bwrap"], { encoding: "utf8" }).trim();
} catch {
  bwrap = undefined;
}
if (bwrap && busybox) {
  // A root file system with busybox and the host's Python (its prefix bound read-only too would be
  // a site's image; here a launcher in sh copies the file, the same command for both sides).
  const rootfs = join(dir, "rootfs");
  mkdirSync(join(rootfs, "bin"), { recursive: true });
  cpSync(busybox, join(rootfs, "bin", "busybox"));
  for (const c of ["sh", "cat", "touch", "sed"]) symlinkSync("busybox", join(rootfs, "bin", c));
  cpSync(new URL("./pool/copy.sh", import.meta.url).pathname, join(workers, "copy_worker", "main.sh"));
  await compare(
    `2. ${opts["container-tasks"]} container (bwrap) tasks`,
    Number(opts["container-tasks"]),
    { workers: { copy_worker: { kind: "container", image: rootfs, engine: { command: "bwrap" } } } },
    workers,
    (broot) => [
      bwrap,
      ...["--ro-bind", join(rootfs, "bin"), "/bin", "--tmpfs", "/tmp", "--proc", "/proc", "--dev", "/dev"],
      ...["--unshare-pid", "--die-with-parent", "--bind", broot, broot, "--ro-bind", join(workers, "copy_worker")],
      ...[join(workers, "copy_worker"), "--chdir", broot, "--setenv", "TKR_DIR", broot],
      ...["--", "sh", join(workers, "copy_worker", "main.sh")],
    ],
  );
} else {
  console.log("2. container tasks: bwrap or busybox is not installed, not measured");
}

const has = (cmd) => {
  try {
    return execFileSync("sh", ["-c", `command -v ${cmd}`], { encoding: "utf8" }).trim();
  } catch {
    return undefined;
  }
};
if (has("podman") && has("runc") && busybox && existsSync(join(workers, "copy_worker", "main.sh"))) {
  // The settings these machines need (docs/worker-pool.md), on both sides.
  const engine = {
    command: "podman",
    args: ["--runtime", "runc", "--cgroup-manager", "cgroupfs"],
    runArgs: ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=4096:4096"],
  };
  const image = "localhost/tw-pool-bench:1";
  const tar = join(dir, "rootfs.tar");
  execFileSync("tar", ["-C", join(dir, "rootfs"), "-cf", tar, "."]);
  execFileSync("podman", [...engine.args, "import", tar, image], { stdio: "ignore" });
  const w = join(workers, "copy_worker");
  await compare(
    `3. ${opts["podman-tasks"]} container (podman) tasks`,
    Number(opts["podman-tasks"]),
    { workers: { copy_worker: { kind: "container", image, engine } } },
    workers,
    (broot) => [
      "podman",
      ...engine.args,
      ...["run", "--rm", "--init", ...engine.runArgs, "--volume", `${broot}:${broot}`, "--volume", `${w}:${w}:ro`],
      ...["--workdir", broot, "--env", `TKR_DIR=${broot}`, image, "sh", join(w, "main.sh")],
    ],
  );
} else {
  console.log("3. container tasks: podman, runc or busybox is not installed, not measured");
}
rmSync(dir, { recursive: true, force: true });

// Throughput of @stdio string values, as a ratio against `cat` copying the same file between two
// files in the same round. The launchers are real: `tsp compile` emits them from a spec of four
// `@stdio("cat")` tasks, one per direction of the string codec:
//   decode  string → bytes   the JSON string input decoded onto the program's stdin
//   encode  bytes → string   the program's stdout encoded as a JSON string output
//   text    string → string  both
//   raw     bytes → bytes    neither (the launcher's own cost around cat)
// Each task runs with each string codec asked for: `native` (the compiled codec, which executors
// hand launchers where a C compiler builds it), `perl` (the launcher's own, where it is not) and
// `jq` (where perl is missing too).
// Each figure is min / median / max over the rounds; rounds interleave cat and the launchers, so
// that all see the same machine load. The load average is printed before and after.
// Usage: node bench/stdio.bench.mjs [--mb 50] [--rounds 3] [--codecs native,perl] [--tasks decode,encode,text,raw]
//        [--package DIR] (another build of the package, to compare two versions side by side)
//        [--dir DIR] (where the files go: the system's temporary folder, or e.g. /dev/shm, where no
//        disk write-back of the last round's files disturbs the next)
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const root = new URL("..", import.meta.url).pathname;
const { values: opts } = parseArgs({
  options: {
    mb: { type: "string", default: "50" },
    rounds: { type: "string", default: "3" },
    codecs: { type: "string", default: "native,perl" },
    tasks: { type: "string", default: "decode,encode,text,raw" },
    package: { type: "string", default: root },
    dir: { type: "string", default: tmpdir() },
  },
});
const pkg = resolve(opts.package);
const size = Number(opts.mb) * 1e6;
const rounds = Number(opts.rounds);
const tasks = opts.tasks.split(",");
const codecs = opts.codecs.split(",");
const { pythonString } = await import(pathToFileURL(join(pkg, "dist/src/contract/json-text.js")).href);
let codecBin;
if (codecs.includes("native")) {
  const { nativeCodec } = await import(pathToFileURL(join(pkg, "dist/src/graph/executors/native-codec.js")).href);
  codecBin = await nativeCodec(process.env);
  if (codecBin === undefined) throw new Error("the compiled codec could not be built here (no C compiler?)");
}

// Outside the repository, so that the spec imports the package under test (this repository or
// --package) through node_modules, not the repository's own package.json.
const dir = mkdtempSync(join(opts.dir, "tw-stdio-bench-"));
mkdirSync(join(dir, "node_modules"), { recursive: true });
symlinkSync(pkg, join(dir, "node_modules", "typespec-workers"));
writeFileSync(
  join(dir, "main.tsp"),
  [
    'import "typespec-workers";',
    "using Workers;",
    "interface stdio_bench {",
    '  @stdio("cat") decode(text: string): bytes;',
    '  @stdio("cat") encode(data: bytes): string;',
    '  @stdio("cat") text(text: string): string;',
    '  @stdio("cat") raw(data: bytes): bytes;',
    "}",
    "",
  ].join("\n"),
);
const out = join(dir, "out");
// tsp with this Node (the system's may be too old for the compiler).
const compiled = spawnSync(
  process.execPath,
  [
    join(root, "node_modules/@typespec/compiler/cmd/tsp.js"),
    "compile",
    ".",
    "--emit",
    "typespec-workers",
    "--output-dir",
    out,
  ],
  { cwd: dir, encoding: "utf8" },
);
if (compiled.status !== 0) throw new Error(`tsp compile failed:\n${compiled.stdout}${compiled.stderr}`);
const launcher = join(out, "typespec-workers", "stdio_bench", "main.sh");

// Text as programs write it: lines of words, ~3% of them outside ASCII (accents, CJK, emoji),
// some tabs and quotes; deterministic, so every run and version sees the same bytes.
const words = ["the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "data", "value", "worker", "task"];
const odd = ["naïve", "über", "café", "日本語", "😀", '"quoted"', "tab\there", "back\\slash"];
let seed = 42;
// The high bits of a linear congruential generator (its low bits repeat with a short period).
const next = () => Math.floor((seed = (seed * 1103515245 + 12345) % 2147483648) / 65536);
const lines = [];
let length = 0;
while (length < size) {
  const line = [];
  for (let i = 0; i < 10; i++) line.push(next() % 33 === 0 ? odd[next() % odd.length] : words[next() % words.length]);
  const text = `${line.join(" ")}\n`;
  lines.push(text);
  length += Buffer.byteLength(text);
}
const text = lines.join("");
const bytes = Buffer.from(text, "utf8");
const wire = pythonString(text);
const files = { text: join(dir, "text.txt"), wire: join(dir, "text.json") };
writeFileSync(files.text, bytes);
writeFileSync(files.wire, wire);
const expected = {
  decode: bytes,
  encode: Buffer.from(pythonString(text.slice(0, -1))),
  text: Buffer.from(pythonString(text.slice(0, -1))),
  raw: bytes,
};
const inputOf = { decode: "wire", encode: "text", text: "wire", raw: "text" };
const portOf = { decode: "text", encode: "data", text: "text", raw: "data" };

const envOf = (codec) => ({
  ...process.env,
  TW_STRING_CODEC: codec,
  ...(codec === "native" ? { TW_STRING_CODEC_BIN: codecBin } : {}),
});

/**
 * Runs `bash -c SCRIPT _ ARGS...` and measures it: wall seconds, and the CPU seconds (user +
 * system) of what it started, from bash's `times` — less disturbed by other load than the wall.
 */
function measure(script, args, env = process.env) {
  const start = process.hrtime.bigint();
  const result = spawnSync("bash", ["-c", `${script} || exit; times`, "_", ...args], { env, encoding: "utf8" });
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0) throw new Error(`${script} ${args.join(" ")} failed: ${result.stderr}`);
  const children = result.stdout.trim().split("\n").at(-1).split(/\s+/);
  const cpu = children.map((t) => Number(/^(\d+)m([\d.]+)s$/.exec(t)[1]) * 60 + Number(/m([\d.]+)s$/.exec(t)[1]));
  return { wall, cpu: cpu[0] + cpu[1] };
}

/** One task run through its launcher, as our shell executor starts it. */
function runTask(name, codec, round) {
  const wf = `r${round}-${name}-${codec}`;
  const node = join(dir, "runs", wf, "-.N0");
  mkdirSync(join(node, "outputs"), { recursive: true });
  const definition = {
    function_name: name,
    inputs: { [portOf[name]]: files[inputOf[name]] },
    outputs: { value: `${wf}/-.N0/outputs/value` },
    output_dir: `${wf}/-.N0/outputs`,
    done_path: `${wf}/-.N0/_done`,
    error_path: `${wf}/-.N0/_error`,
    logs_path: `${wf}/logs`,
  };
  writeFileSync(join(node, "definition"), JSON.stringify(definition));
  const time = measure('bash "$1" "$2" >/dev/null', [launcher, `${wf}/-.N0/definition`], {
    ...envOf(codec),
    TKR_DIR: join(dir, "runs"),
  });
  if (!readFileSync(join(node, "outputs", "value")).equals(expected[name])) {
    throw new Error(`${name} (${codec}): wrong output`);
  }
  rmSync(join(dir, "runs", wf), { recursive: true, force: true });
  return time;
}

/** `cat FILE > OUT`: the baseline, the same bytes through the same kind of files. */
function cat(file) {
  const target = join(dir, "cat.out");
  const time = measure('cat "$1" >"$2"', [file, target]);
  rmSync(target);
  return time;
}

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0], median: s[Math.floor(s.length / 2)], max: s[s.length - 1] };
};
const fmt = ({ min, median, max }, digits = 2) =>
  `${median.toFixed(digits)} (${min.toFixed(digits)}–${max.toFixed(digits)})`;

const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");
console.log(
  `@stdio("cat") on ${(bytes.length / 1e6).toFixed(1)} MB of text (${(statSync(files.wire).size / 1e6).toFixed(1)} MB as a JSON string), ` +
    `${rounds} rounds, codecs ${codecs.join(", ")}, package ${pkg}` +
    (codecBin ? `\ncompiled codec: ${codecBin}` : ""),
);
console.log(`load average before: ${load()}`);
// Raw bytes never reach the codec: that task runs once per round, as `-`.
const runs = tasks.flatMap((name) => (name === "raw" ? [[name, "-"]] : codecs.map((codec) => [name, codec])));
const times = Object.fromEntries(runs.map(([name, codec]) => [`${name} ${codec}`, { ours: [], cat: [] }]));
for (let round = 0; round < rounds; round++) {
  for (const [name, codec] of runs) {
    const key = `${name} ${codec}`;
    times[key].cat.push(cat(files[inputOf[name]]));
    times[key].ours.push(runTask(name, codec === "-" ? "" : codec, round));
  }
}
console.log(`load average after:  ${load()}`);
console.log("MB/s and time ÷ cat's time, median (min–max); CPU: user + system of the processes");
console.log(
  "task                      codec   wall MB/s          CPU MB/s           cat wall MB/s   wall ÷ cat      CPU ÷ cat",
);
for (const [name, codec] of runs) {
  const mb = statSync(files[inputOf[name]]).size / 1e6;
  const { ours, cat: base } = times[`${name} ${codec}`];
  const rate = (key, digits) => fmt(stats(ours.map((t) => mb / t[key])), digits);
  const ratio = (key) => fmt(stats(ours.map((t, i) => t[key] / base[i][key])), 1);
  const label = `${name} (${{ decode: "string → bytes", encode: "bytes → string", text: "string → string", raw: "bytes → bytes" }[name]})`;
  console.log(
    `${label.padEnd(26)}${codec.padEnd(8)}${rate("wall", 1).padEnd(19)}${rate("cpu", 1).padEnd(19)}${fmt(stats(base.map((t) => mb / t.wall)), 0).padEnd(16)}${ratio("wall").padEnd(16)}${ratio("cpu")}`,
  );
}
rmSync(dir, { recursive: true, force: true });

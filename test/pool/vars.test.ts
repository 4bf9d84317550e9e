// Template variables set in workers.yaml, run through the runtime with a real generated launcher
// and worker.json (the fixture test/fixtures/launchers/vars, compiled by the real compiler): the
// values reach the command line as written, defaults fill the rest, and every mistake (a name the
// worker does not declare, a wrong type, a variable nothing sets) is an error at its line:column
// before anything runs.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { graph, run } from "../../src/graph/index.js";
import { poolOptions, PoolConfigError } from "../../src/pool/index.js";
import { t } from "../../src/runtime/index.js";
import { tw } from "../support/cli.js";
import { EmitTester, repoRoot } from "../support/tester.js";
import { tempDir, valueTask } from "./support.js";

let workers: string;
beforeAll(async () => {
  const spec = readFileSync(join(repoRoot, "test/fixtures/launchers/vars/main.tsp"), "utf8")
    .replace(/^import "typespec-workers";\s*$/m, "")
    .replace(/^using Workers;\s*$/m, "");
  const { outputs } = await EmitTester.compile(spec);
  workers = tempDir();
  for (const [path, text] of Object.entries(outputs)) {
    if (!path.startsWith("settings/")) continue;
    mkdirSync(dirname(join(workers, path)), { recursive: true });
    writeFileSync(join(workers, path), text);
  }
  chmodSync(join(workers, "settings", "main.sh"), 0o755);
});

const args = valueTask("settings", "args", {}, t.bytes);
const licensed = valueTask("settings", "licensed", {}, t.string);

function argsGraph() {
  const g = graph({ inputs: {}, output: { value: t.bytes } });
  g.output({ value: g.task(args({})) });
  return g;
}

function config(lines: readonly string[]): string {
  const file = join(tempDir(), "workers.yaml");
  writeFileSync(file, [`workerDirs: [${JSON.stringify(workers)}]`, ...lines, ""].join("\n"));
  return file;
}

/** The NUL-terminated arguments the fixture's `args` task writes. */
function argv(value: Uint8Array): string[] {
  return Buffer.from(value).toString("utf8").split("\0").slice(0, -1);
}

/** The problems reported, one a line. */
async function problems(file: string, g = argsGraph()): Promise<string> {
  const e = await poolOptions(file, { graph: g }).catch((x: unknown) => x);
  expect(e).toBeInstanceOf(PoolConfigError);
  return (e as PoolConfigError).problems.join("\n");
}

describe("vars in workers.yaml", () => {
  it("reach the launcher's command line as written, hostile text included, through a run", async () => {
    const canary = join(tempDir(), "canary");
    const label = `a  b; touch ${canary} $(touch ${canary}) '"\n-rf`;
    const file = config([
      "workers:",
      "  settings:",
      "    kind: shell",
      `    vars: { label: ${JSON.stringify(label)}, threads: -3, ratio: 1.5e-3, flag: true, licence: site }`,
    ]);
    const g = argsGraph();
    const pool = await poolOptions(file, { graph: g });
    const r = await run(g, {}, { root: tempDir(), ...pool });
    expect(argv(r.value.value)).toEqual([label, `x${label}y`, `${label} and {braces}`, "-3", "0.0015", "true"]);
    expect(existsSync(canary)).toBe(false);
  });

  it("leave the spec's defaults for what the entry does not set, and set a variable without one", async () => {
    const file = config(["default: { kind: auto, vars: { licence: 'L-1' } }"]);
    const g = graph({ inputs: {}, output: { args: t.bytes, licence: t.string } });
    g.output({ args: g.task(args({})), licence: g.task(licensed({})) });
    const r = await run(g, {}, { root: tempDir(), ...(await poolOptions(file, { graph: g })) });
    expect(argv(r.value.args)).toEqual(["plain", "xplainy", "plain and {braces}", "4", "0.5", "false"]);
    expect(r.value.licence).toBe("L-1");
  });

  it("are errors at their line:column when the worker does not declare them, with the closest name", async () => {
    const file = config([
      "workers:", // 2
      "  settings:", // 3
      "    kind: shell", // 4
      "    vars:", // 5
      "      licence: x", // 6
      "      thread: 2", // 7
      "      colour: red", // 8
    ]);
    const message = await problems(file);
    expect(message).toContain(
      `${file}:7:7: settings: 'thread' is not a template variable of worker 'settings' (did you mean 'threads'?) (declared: label, threads, ratio, flag, licence, tricky)`,
    );
    expect(message).toContain(`${file}:8:7: settings: 'colour' is not a template variable of worker 'settings'`);
  });

  it.each([
    ["threads: '8'", `template variable 'threads' is an integer (int32), not "8"`],
    ["threads: 2.5", "template variable 'threads' is an integer (int32), not 2.5"],
    [
      "threads: 3000000000",
      "template variable 'threads' is an int32: 3000000000 is out of its range -2147483648..2147483647",
    ],
    ["ratio: .inf", "template variable 'ratio' is a finite number (float64), not Infinity"],
    ["flag: yes", `template variable 'flag' is true or false, not "yes"`],
    ["label: 1.10", `template variable 'label' is a string: write 1.1 in quotes ("1.1") so it is passed as written`],
  ])("are errors at the value when it has the wrong type (%s)", async (entry, why) => {
    const file = config(["workers:", "  settings:", "    kind: shell", `    vars: { licence: x, ${entry} }`]);
    const column = "    vars: { licence: x, ".length + entry.indexOf(": ") + 3; // where the value starts
    expect(await problems(file)).toBe(`${file}:5:${column}: settings: ${why}`);
  });

  it("is an error when nothing sets a variable without a default, named at the entry or the file", async () => {
    const withEntry = config(["workers:", "  settings: { kind: shell, vars: { threads: 1 } }"]);
    expect(await problems(withEntry)).toBe(
      `${withEntry}:3:34: settings: template variable 'licence' has no default in the spec: set it under 'vars', or with --var settings.licence=...`,
    );
    const without = config([]);
    expect(await problems(without)).toBe(
      `${without}: worker 'settings' needs template variable 'licence' (the spec gives it no default): set it under 'vars' of an entry for 'settings', or with --var settings.licence=...`,
    );
  });

  it("on the default entry are checked against the workers it serves", async () => {
    const file = config(["default: { kind: auto, vars: { licence: x, treads: 2 } }"]);
    expect(await problems(file)).toBe(
      `${file}:2:44: default: no worker it serves declares a template variable 'treads' (did you mean 'threads'?) (declared: label, threads, ratio, flag, licence, tricky)`,
    );
  });
});

describe("--var on the command line", () => {
  /** A graph module running `settings.licensed`, beside a copy of the compiled worker. */
  function project(): string {
    const dir = tempDir();
    writeFileSync(
      join(dir, "graph.mjs"),
      `import { graph } from ${JSON.stringify(join(repoRoot, "dist/src/graph/index.js"))};
import { t, task } from ${JSON.stringify(join(repoRoot, "dist/src/runtime/index.js"))};
const licensed = task({ worker: "settings", name: "licensed", inputs: [], outputs: [{ name: "value", type: t.string }], shape: "value" });
const g = graph({ inputs: {}, output: t.string, name: "vars" });
g.output(g.task(licensed({})));
export default g;
`,
    );
    return dir;
  }
  const runIn = (dir: string, ...flags: string[]) =>
    tw("run", join(dir, "graph.mjs"), "-w", workers, "--root", join(dir, "runs"), "--no-progress", ...flags);

  it("sets a variable without a pool file, passed as written", () => {
    const dir = project();
    const r = runIn(dir, "--var", "settings.licence=a  b; $(touch x) -rf");
    expect(r.stderr).not.toContain("error");
    expect(r.stdout.trim()).toBe(JSON.stringify("a  b; $(touch x) -rf"));
    expect(existsSync(join(dir, "x"))).toBe(false);
  });

  it("wins over the file's value", () => {
    const dir = project();
    writeFileSync(join(dir, "workers.yaml"), "workers:\n  settings: { kind: shell, vars: { licence: from-file } }\n");
    expect(runIn(dir).stdout.trim()).toBe(JSON.stringify("from-file"));
    expect(runIn(dir, "--var", "settings.licence=from-flag").stdout.trim()).toBe(JSON.stringify("from-flag"));
  });

  it("is refused before anything runs: an undeclared name, a wrong type, a worker the graph does not use", () => {
    const dir = project();
    const r = runIn(
      dir,
      "--var",
      "settings.licence=x",
      "--var",
      "settings.thread=2",
      "--var",
      "settings.flag=yes",
      "--var",
      "setings.threads=2",
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      "--var settings.thread=2: settings: 'thread' is not a template variable of worker 'settings' (did you mean 'threads'?)",
    );
    expect(r.stderr).toContain(
      `--var settings.flag=yes: settings: template variable 'flag' is true or false, not "yes"`,
    );
    expect(r.stderr).toContain(
      "--var setings.threads=2: worker 'setings' is not a worker of the graph (did you mean 'settings'?)",
    );
    expect(existsSync(join(dir, "runs"))).toBe(false);
    const resumed = tw("resume", join(dir, "runs", "none"), "--var", "settings.licence=x");
    expect(resumed.status).toBe(1);
    expect(resumed.stderr).toContain("--var on resume needs --config");
    const malformed = runIn(dir, "--var", "threads=2");
    expect(malformed.status).toBe(1);
    expect(malformed.stderr).toContain(`--var "threads=2": expected <worker>.<name>=<value>`);
  });
});

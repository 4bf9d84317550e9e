/**
 * The `tierkreis` run layout: a run directory upstream Tierkreis reads as one of its own.
 *
 * Without upstream (CI): our run of test/tierkreis/layout-graph.ts has the files, node
 * definitions and values upstream's controller wrote for the same graph (recorded in
 * test/fixtures/tierkreis/layout by record/record-layout.sh). Where upstream is present: its
 * `read_outputs`, `read_loop_trace` and visualizer read our run as they read their own, and its
 * controller resumes a run of ours that we stopped halfway.
 *
 * Also: named loops' traces (both layouts), the layout kept for resume, and a bad layout refused.
 */
import { execFile } from "node:child_process";
import { readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { readLoopTrace, resume, run, RunOptionsError } from "../../src/graph/index.js";
import { RunModel } from "../../src/view/run-model.js";
import { tw } from "../support/cli.js";
import { scratchDir } from "../support/project.js";
import { repoRoot } from "../support/tester.js";
import { countTrace, layoutGraph, layoutInputs, layoutOutputs } from "./layout-graph.js";
import { findUpstream } from "./upstream.js";

const exec = promisify(execFile);
const fixtures = join(repoRoot, "test/fixtures/tierkreis/layout");
const recorded = (name: string) => JSON.parse(readFileSync(join(fixtures, name), "utf8"));
/** Upstream needs a UUID as workflow id. */
const ID = "00000000-0000-0000-0000-000000000001";

interface Dump {
  files: string[];
  texts: Record<string, string>;
}

/** As layout_check.py's `dump`: every file, and the text of node definitions, values and debug files. */
function dump(dir: string): Dump {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else files.push(relative(dir, join(d, e.name)));
    }
  };
  walk(dir);
  files.sort();
  const kept = files.filter((f) => f.endsWith("/nodedef") || f.includes("/outputs/") || f.startsWith("debug/"));
  return { files, texts: Object.fromEntries(kept.map((f) => [f, readFileSync(join(dir, f), "utf8")])) };
}

/**
 * What the two controllers write differently on purpose: upstream touches an empty `_metadata` in
 * a node's parent when the node starts or ends (its visualizer reads none but the run's own); we
 * keep the run's types, options and lock, and each task's start time.
 */
const ours = (f: string) => /^(_signature|_options\.json|_lock.*)$|(^|\/)started$/.test(f);
const upstreamOnly = (f: string) => /.\/_metadata$/.test(f);
const comparable = (d: Dump): Dump => ({
  files: d.files.filter((f) => !ours(f) && !upstreamOnly(f)),
  texts: d.texts,
});

async function runLayout(layout: "default" | "tierkreis", options: Parameters<typeof run>[2] = {}) {
  const root = scratchDir("run-layout");
  const outcome = await run(layoutGraph, layoutInputs, { root, workflowId: ID, layout, ...options });
  return { root, dir: outcome.runDir, outcome };
}

/** A tierkreis-layout run stopped (as by Ctrl-C) once `after` tasks are done; gives its root. */
async function stoppedRun(after: number): Promise<string> {
  const stop = new AbortController();
  let done = 0;
  const root = scratchDir("run-layout");
  const first = run(layoutGraph, layoutInputs, {
    root,
    workflowId: ID,
    layout: "tierkreis",
    signal: stop.signal,
    onEvent: (e) => void (e.type === "task-done" && ++done === after && stop.abort()),
  });
  await expect(first).rejects.toThrow("the run was stopped");
  return root;
}

describe("the tierkreis run layout", () => {
  it("the recorded graph is the test graph", () => {
    expect(readFileSync(join(fixtures, "graph.json"), "utf8")).toBe(layoutGraph.serialize());
  });

  it("has the folders, node definitions and values upstream's controller writes for the same graph", async () => {
    const { dir, outcome } = await runLayout("tierkreis");
    expect(outcome.value).toEqual(layoutOutputs);
    const got = comparable(dump(dir));
    const want = comparable(recorded("upstream-run.json"));
    expect(got.files).toEqual(want.files);
    expect(got.texts).toEqual(want.texts);
  });

  it("the default layout writes far fewer files, and no folders for graph inputs and outputs", async () => {
    const { dir, outcome } = await runLayout("default");
    expect(outcome.value).toEqual(layoutOutputs);
    const files = dump(dir).files;
    expect(files.filter((f) => f.includes(".N-1/") && !f.startsWith(".N-1/"))).toEqual([]);
    expect(files.length).toBeLessThan(0.7 * recorded("upstream-run.json").files.length);
  });

  it("resume keeps the layout the run started with, and refuses another", async () => {
    const root = await stoppedRun(6);
    const dir = join(root, ID);
    await expect(resume(dir, { layout: "default" })).rejects.toThrow(
      `${dir} was started with the tierkreis layout; it resumes with that one (not default)`,
    );
    const again = await resume(dir);
    expect(again.value).toEqual(layoutOutputs);
    // Builtins run in the controller and end even when the run stops: at least 6 were done.
    expect(again.tasksCached).toBeGreaterThanOrEqual(6);
    expect(again.tasksCached + again.tasksRun).toBe(19);
    const got = comparable(dump(dir));
    const want = comparable(recorded("upstream-run.json"));
    expect(got.files).toEqual(want.files);
    expect(got.texts).toEqual(want.texts);
  });

  it("refuses an unknown layout before anything is written, naming the closest", async () => {
    const root = scratchDir("run-layout");
    const p = run(layoutGraph, layoutInputs, { root, layout: "tierkries" as "tierkreis" });
    await expect(p).rejects.toThrow(RunOptionsError);
    await expect(p).rejects.toThrow(
      `layout: "tierkries" is not a run layout: expected default or tierkreis (closest: 'tierkreis')`,
    );
    expect(readdirSync(root)).toEqual([]);
  });
});

describe("named loops", () => {
  it.each(["default", "tierkreis"] as const)(
    "keep each iteration's outputs, read back as the trace (%s layout)",
    async (layout) => {
      const { dir } = await runLayout(layout);
      const trace = await readLoopTrace(dir, "count");
      expect(trace.loc).toBe("-.N3");
      expect(trace.iterations.map((i) => i.outputs)).toEqual(countTrace);
      expect(readFileSync(join(dir, "debug/count"), "utf8")).toBe('{"loop_loc": "-.N3"}');
    },
  );

  it("typespec-workers trace prints one line per iteration, lists the named loops, and names what is missing", async () => {
    const { dir } = await runLayout("default");
    const r = tw("trace", dir, "count");
    expect([r.status, r.stderr]).toEqual([0, ""]);
    expect(r.stdout).toBe(
      "loop count at -.N3: 4 iterations\n" +
        "  0  i=1  should_continue=true  total=0\n" +
        "  1  i=2  should_continue=true  total=1\n" +
        "  2  i=3  should_continue=true  total=3\n" +
        "  3  i=4  should_continue=false  total=6\n",
    );
    expect(tw("trace", dir).stdout).toBe(r.stdout);
    expect(JSON.parse(tw("trace", dir, "count", "--json").stdout).iterations[3].outputs).toEqual(countTrace[3]);
    expect(tw("trace", dir, "cuont")).toMatchObject({
      status: 1,
      stderr: `error: ${dir} has no loop named 'cuont' (named loops: count)\n`,
    });
  });

  it("an unnamed loop keeps no iteration folders of its own in the default layout", async () => {
    const root = scratchDir("run-layout");
    const unnamed = JSON.parse(layoutGraph.serialize());
    for (const n of unnamed.nodes) if (n.type === "loop") n.name = null;
    unnamed.named_nodes = {};
    const file = join(root, "graph.json");
    writeFileSync(file, JSON.stringify(unnamed));
    const r = tw("run", file, "--root", root, "--id", ID, "-i", '{"n": 4}', "--no-progress");
    expect(r.status, r.stderr).toBe(0);
    expect(readdirSync(join(root, ID)).filter((f) => /^-\.N3\.L\d+$/.test(f) || f === "debug")).toEqual([]);
    expect(tw("trace", join(root, ID)).stdout).toBe("no named loop in this run\n");
  });

  it("a loop name that cannot be a file name is refused when the graph is built", () => {
    expect(() => layoutGraph.loop(layoutGraph as never, {} as never, { name: "../up" })).toThrow(
      `loop: name "../up" cannot be a file name`,
    );
  });
});

describe("tasks record when they started", () => {
  it("in a `started` file in their folder, which the viewer reads", async () => {
    const before = Date.now();
    const { dir } = await runLayout("default");
    const at = Date.parse(readFileSync(join(dir, "-.N3.L0.N4/started"), "utf8"));
    expect(at).toBeGreaterThanOrEqual(before - 1000);
    expect(Math.abs(statSync(join(dir, "-.N3.L0.N4/started")).mtimeMs - at)).toBeLessThan(1000);
    // The viewer takes the start from it; a run from before it falls back to the call args' time.
    const when = new Date("2026-01-02T03:04:05.678Z");
    utimesSync(join(dir, "-.N3.L0.N4/started"), when, when);
    const startOf = () => {
      const model = new RunModel(dir);
      model.load();
      return model.nodes.get("-.N3.L0.N4")!.start;
    };
    expect(startOf()).toBe(when.getTime());
    rmSync(join(dir, "-.N3.L0.N4/started"));
    expect(startOf()).toBe(statSync(join(dir, "-.N3.L0.N4/definition")).mtimeMs);
  });
});

// ---------------------------------------------------------------------------------------------
// Live, with upstream's own code

const upstream = findUpstream();
const live = typeof upstream === "string" ? it.skip : it;

async function upstreamSays(command: string, root: string, ...rest: string[]): Promise<unknown> {
  if (typeof upstream === "string") throw new Error(upstream);
  const env = {
    ...upstream.env,
    TKR_DIR: root,
    PYTHONPATH: `${upstream.env.PYTHONPATH}:${join(upstream.tree, "tierkreis_visualization")}`,
  };
  const script = join(repoRoot, "test/tierkreis/layout_check.py");
  const { stdout } = await exec(upstream.python, [script, command, root, ID, join(fixtures, "graph.json"), ...rest], {
    env,
    timeout: 240_000,
    maxBuffer: 64 << 20,
  });
  return JSON.parse(stdout);
}

describe("upstream Tierkreis reads our runs", () => {
  if (typeof upstream === "string") it.skip(`live checks skipped: ${upstream}`, () => {});

  live.each(["default", "tierkreis"] as const)(
    "read_outputs and read_loop_trace read our %s-layout run as upstream's own",
    async (layout) => {
      const { root } = await runLayout(layout);
      expect(await upstreamSays("read", root, "count")).toEqual(recorded("upstream-read.json"));
    },
  );

  live("its visualizer shows every eval, loop and map node of our run as it shows its own", async () => {
    const { root } = await runLayout("tierkreis");
    expect(await upstreamSays("view", root)).toEqual(recorded("upstream-view.json"));
  });

  live.each([3, 9])("its controller resumes our run stopped after %i tasks, to the same results", async (after) => {
    const root = await stoppedRun(after);
    expect(statSync(join(root, ID, "-", "_done"), { throwIfNoEntry: false })).toBeUndefined();
    expect(await upstreamSays("resume", root, "count")).toEqual(recorded("upstream-read.json"));
  });
});

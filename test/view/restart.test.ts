// Restarting a node: it and what depends on it (through enclosing graphs and later loop
// iterations) are marked not done, everything else is kept, and a resume runs exactly those.
// Refused while a controller holds the run. Also the `restart` and `report` commands.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { acquireRunLock } from "../../src/graph/run-lock.js";
import { dependents, restartNode } from "../../src/view/restart.js";
import { executorOf, RunModel } from "../../src/view/run-model.js";
import { cliPath, tw } from "../support/cli.js";
import { copyAssets, fixtureRun, resumeFixture, tempDir, until } from "./support.js";

const tasksIn = (m: RunModel, prefix: string) =>
  [...m.nodes.values()].filter((n) => n.kind === "function" && n.loc.startsWith(prefix)).map((n) => n.loc);

describe("run model", () => {
  it("reads map elements, eval contents and loop iterations with their states", async () => {
    const { runDir, events } = await fixtureRun();
    const m = new RunModel(runDir);
    m.load();
    const map = m.nodes.get("-.N4")!;
    expect(map.kind).toBe("map");
    expect(map.children).toEqual(["-.N4.M0", "-.N4.M1", "-.N4.M2"]);
    expect(m.nodes.get("-.N4.M1.N1")).toMatchObject({ kind: "function", label: "math_worker.add", state: "done" });
    const loop = m.nodes.get("-.N17")!;
    expect(loop.kind).toBe("loop");
    expect(loop.children.filter((c) => c.includes(".L"))).toEqual([
      "-.N17.L0",
      "-.N17.L1",
      "-.N17.L2",
      "-.N17.L3",
      "-.N17.L4",
    ]);
    const evalNode = [...m.nodes.values()].find((n) => n.kind === "eval")!;
    expect(evalNode.children.length).toBeGreaterThan(0);
    const s = m.summary();
    expect(s.state).toBe("finished");
    expect(s.tasks.done).toBe(events.filter((e) => e.type === "task-started").length);
    expect(s.tasks.waiting + s.tasks.running + s.tasks.failed).toBe(0);
  });
});

describe("executor kind", () => {
  it("is the kind a pool executor recorded, else what the task's folder tells", async () => {
    const { runDir } = await fixtureRun();
    const m = new RunModel(runDir);
    m.load();
    const task = m.nodes.get("-.N4.M0.N1")!;
    const before = executorOf(runDir, task);
    writeFileSync(join(runDir, task.loc, "_kind"), "python");
    expect(executorOf(runDir, task)).toBe("python");
    expect(before).not.toBe("python");
  });
});

describe("run model states", () => {
  it("tells running from stopped by the run's end and its controller's lock", async () => {
    const { runDir } = await fixtureRun();
    const { rmSync } = await import("node:fs");
    // A task started and not finished, in a run with no end marker.
    rmSync(join(runDir, "-.N4.M1.N1", "_done"));
    rmSync(join(runDir, "-", "_done"));
    const read = () => {
      const m = new RunModel(runDir);
      m.load();
      return { task: m.nodes.get("-.N4.M1.N1")!.state, map: m.nodes.get("-.N4")!.state, run: m.summary().state };
    };
    // No lock: a controller may be at work (upstream writes none).
    expect(read()).toEqual({ task: "running", map: "done", run: "unfinished" });
    writeFileSync(
      join(runDir, "_lock"),
      JSON.stringify({ pid: process.pid, host: hostname(), startedAt: "x", nonce: "test" }),
    );
    expect(read()).toMatchObject({ task: "running", run: "running" });
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], {
      encoding: "utf8",
    }).stdout;
    writeFileSync(
      join(runDir, "_lock"),
      JSON.stringify({ pid: Number(dead), host: hostname(), startedAt: "x", nonce: "test" }),
    );
    expect(read()).toMatchObject({ task: "stopped", run: "interrupted" });
    rmSync(join(runDir, "_lock"));
    writeFileSync(join(runDir, "-", "_error"), "a task failed");
    expect(read()).toMatchObject({ task: "stopped", run: "failed" });
  });
});

describe("restart", () => {
  it("reruns the node, its dependents and later loop iterations, and nothing else", async () => {
    const { runDir } = await fixtureRun();
    const m = new RunModel(runDir);
    m.load();
    const target = tasksIn(m, "-.N17.L2.")[0]!;
    const deps = dependents(m, target);
    // Later iterations whole, and what reads the loop's result in the root graph.
    expect(deps.has("-.N17.L3")).toBe(true);
    expect(deps.has("-.N17.L4")).toBe(true);
    expect([...deps].some((d) => d.startsWith("-.N4"))).toBe(false);

    const r = await restartNode(runDir, target);
    expect(r.reopened).toEqual(expect.arrayContaining(["-.N17", "-"]));
    expect(existsSync(join(runDir, "-", "_done"))).toBe(false);
    expect(existsSync(join(runDir, "-.N17.L3.N3"))).toBe(false);
    expect(readdirSync(r.archive!)).toEqual(expect.arrayContaining(["-.N17.L3.N3", "-.N17.L4.N3"]));
    expect(existsSync(join(runDir, target, "nodedef"))).toBe(false);
    // Kept: the map's elements, iterations before the restarted one.
    expect(existsSync(join(runDir, "-.N4.M1.N1", "_done"))).toBe(true);
    expect(existsSync(join(runDir, tasksIn(m, "-.N17.L1.")[0]!, "_done"))).toBe(true);
    expect(readFileSync(join(runDir, "logs"), "utf8")).toContain(`restart ${target}`);

    const after = new RunModel(runDir);
    after.load();
    expect(after.nodes.get(target)!.state).not.toBe("done");
    expect(after.nodes.get("-.N4.M1.N1")!.state).toBe("done");

    const { outcome, events } = await resumeFixture(runDir);
    expect(outcome.value).toMatchObject({ doubled: [2, 4, 6], counted: 5 });
    const rerun = events.filter((e) => e.type === "task-started").map((e) => (e as { loc: string }).loc);
    expect(rerun).toContain(target);
    expect(rerun.some((l) => l.startsWith("-.N17.L4."))).toBe(true);
    expect(rerun.some((l) => l.startsWith("-.N4.") || l.startsWith("-.N17.L1."))).toBe(false);
  });

  it("is refused while a live controller holds the run, allowed once it is gone", async () => {
    const { runDir } = await fixtureRun();
    const m = new RunModel(runDir);
    m.load();
    const target = tasksIn(m, "-.N4.M0.")[0]!;
    // The lock a controller takes while it runs.
    const lock = await acquireRunLock(runDir);
    await expect(restartNode(runDir, target)).rejects.toThrow(`held by a running controller (pid ${process.pid}`);
    expect(existsSync(join(runDir, target, "_done"))).toBe(true);
    await lock.release();
    // A lock left by a process that has exited is stale.
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], {
      encoding: "utf8",
    }).stdout;
    writeFileSync(
      join(runDir, "_lock"),
      JSON.stringify({ pid: Number(dead), host: hostname(), startedAt: "2026-01-01T00:00:00Z" }),
    );
    await restartNode(runDir, target);
    expect(existsSync(join(runDir, target, "_done"))).toBe(false);
  });

  it("is refused for a plain {pid, host} lock of a live process", async () => {
    const { runDir } = await fixtureRun();
    writeFileSync(
      join(runDir, "_lock"),
      JSON.stringify({ pid: process.pid, host: hostname(), startedAt: "2026-01-01T00:00:00Z" }),
    );
    await expect(restartNode(runDir, "-.N4.M0.N1")).rejects.toThrow(/held by a running controller/);
  });

  it("refuses locations that are not nodes of the run", async () => {
    const { runDir } = await fixtureRun();
    await expect(restartNode(runDir, "-.N4/../../x")).rejects.toThrow(/not a node location/);
    await expect(restartNode(runDir, "-.N99")).rejects.toThrow(/has no node at -\.N99/);
    await expect(restartNode(runDir, "-")).rejects.toThrow(/root/);
  });
});

describe("commands", () => {
  beforeAll(copyAssets);

  it("view serves on the loopback interface and prints the address with the token", async () => {
    const { runDir } = await fixtureRun();
    const child = spawn(process.execPath, [cliPath, "view", runDir], { stdio: ["ignore", "pipe", "pipe"] });
    try {
      let out = "";
      child.stdout.on("data", (d) => (out += d));
      await until("the viewer's address", () => /#token=[0-9a-f]{32}/.test(out));
      const url = /http:\/\/127\.0\.0\.1:\d+\//.exec(out)![0];
      const page = await (await fetch(url)).text();
      expect(page).toContain("run viewer");
      const runs = (await (await fetch(`${url}api/runs`)).json()) as { id: string }[];
      expect(runs[0].id).toBe("wf");
    } finally {
      child.kill("SIGTERM");
    }
  });

  it("restart and report from the command line", async () => {
    const { runDir } = await fixtureRun();
    const r = tw("restart", runDir, "-.N4.M2.N1");
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("restarted -.N4.M2.N1");
    expect(r.stdout).toContain(`typespec-workers resume ${runDir}`);
    await resumeFixture(runDir);

    const out = join(tempDir(), "rep");
    const rep = tw("report", runDir, "-o", out);
    expect(rep.status).toBe(0);
    const tsv = readFileSync(join(out, "trace.tsv"), "utf8").trim().split("\n");
    expect(tsv[0]).toBe("location\ttask\tkind\tstart\tend\tduration\texit\treason");
    const row = tsv.find((l) => l.startsWith("-.N4.M2.N1\t"))!.split("\t");
    expect(row[1]).toBe("math_worker.add");
    expect(row[2]).not.toBe("");
    expect(row[3]).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(Number(row[5])).toBeGreaterThanOrEqual(0);
    expect(row[6]).toBe("0");
    const html = readFileSync(join(out, "report.html"), "utf8");
    // Self-contained: no file or address loaded from anywhere.
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|@import|url\(http/i);
    expect(tw("restart", runDir, "-.N4.M9.N1").stderr).toMatch(/has no node at -\.N4\.M9\.N1/);
  });
});

describe("upstream run directories", () => {
  it("reads a run in upstream's layout: consumer maps in node definitions, input and output node folders", async () => {
    const { runDir } = await fixtureRun();
    const { mkdirSync } = await import("node:fs");
    // Upstream writes `outputs` as a map from port to consumer index, gives graph inputs and
    // outputs folders of their own, and pipes a nested graph's inputs into `<loc>.N-1`.
    const bodyFile = join(runDir, ".N-1", "outputs", "body");
    const body = JSON.parse(readFileSync(bodyFile, "utf8"));
    // (The controller may write the map form already.)
    for (const n of body.nodes)
      if (Array.isArray(n.outputs)) n.outputs = Object.fromEntries((n.outputs as string[]).map((p) => [p, 0]));
    writeFileSync(bodyFile, JSON.stringify(body));
    for (const [loc, type] of [
      ["-.N0", "input"],
      ["-.N4.M0.N0", "input"],
      ["-.N4.M0.N2", "output"],
      ["-.N4.M0", "eval"],
    ] as const) {
      mkdirSync(join(runDir, loc), { recursive: true });
      writeFileSync(join(runDir, loc, "nodedef"), JSON.stringify({ type, inputs: {}, outputs: {} }));
      writeFileSync(join(runDir, loc, "_done"), "");
    }
    mkdirSync(join(runDir, "-.N4.M0.N-1", "outputs"), { recursive: true });
    const m = new RunModel(runDir);
    m.load();
    expect(m.nodes.get("-.N4.M0.N1")!.state).toBe("done");
    expect(m.nodes.get("-.N4")!.children).toEqual(["-.N4.M0", "-.N4.M1", "-.N4.M2"]);
    // Inputs and outputs are values, not steps: not in the tree.
    expect(m.nodes.get("-.N4.M0")!.children).toEqual(["-.N4.M0.N1"]);
    expect(m.nodes.get("-")!.children).not.toContain("-.N0");
    expect(m.nodes.has("-.N4.M0.N-1")).toBe(false);
    expect(m.summary().state).toBe("finished");
    expect(dependents(m, "-.N4.M0.N1").size).toBeGreaterThan(0);
  });
});

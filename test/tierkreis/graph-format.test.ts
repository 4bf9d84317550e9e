/**
 * Graph JSON in upstream Tierkreis's current format (a node's `outputs` maps each port to the node
 * reading it, since upstream's #274) and its format before, both read; ours written in the current
 * one. Compared with graph files upstream wrote (test/fixtures/tierkreis/record/record-graphs.sh).
 */
import { execFile } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { graph, loadGraph, nodeDefText, parseGraphData, serializeGraphData } from "../../src/graph/index.js";
import { t } from "../../src/runtime/index.js";
import { scratchDir } from "../support/project.js";
import { repoRoot } from "../support/tester.js";
import { findUpstream } from "./upstream.js";

const exec = promisify(execFile);
const graphs = join(repoRoot, "test/fixtures/tierkreis/graphs");
const names = readdirSync(join(graphs, "current")).filter((f) => f.endsWith(".json"));
const read = (version: string, file: string) => readFileSync(join(graphs, version, file), "utf8");

/**
 * Upstream's CLI test graphs are older files kept by hand: `graph_inputs` (a Python set) in no
 * fixed order, no `named_nodes` (which upstream's model now writes, empty by default).
 */
function normalized(text: string): unknown {
  return JSON.parse(text, (key, value) => {
    if (key === "graph_inputs") return [...value].sort();
    if (value && typeof value === "object" && "graph_output_idx" in value) return { named_nodes: {}, ...value };
    return value;
  });
}

describe("upstream graph files", () => {
  it.each(names)("current %s: read, and written back byte for byte", (name) => {
    const text = read("current", name);
    const written = serializeGraphData(parseGraphData(text));
    if (name.startsWith("cli.")) expect(normalized(written)).toEqual(normalized(text));
    else expect(written).toBe(text);
  });

  it.each(names)("pre-#274 %s: read, and written as upstream now writes the same graph", (name) => {
    const written = serializeGraphData(parseGraphData(read("pre-274", name)));
    if (name.startsWith("cli.")) expect(normalized(written)).toEqual(normalized(read("current", name)));
    else expect(written).toBe(read("current", name));
  });

  it.each(names.filter((n) => !n.startsWith("cli.")))(
    "%s: each node's nodedef is upstream's, byte for byte",
    (name) => {
      const nodedefs = read("current", name.replace(/\.json$/, ".nodedefs"))
        .split("\n")
        .slice(0, -1);
      expect(parseGraphData(read("current", name)).nodes.map((n) => nodeDefText(n))).toEqual(nodedefs);
    },
  );

  it("loadGraph takes an upstream graph file, its inputs and outputs untyped", () => {
    const g = loadGraph(read("current", "typed_graphdata.gcd.json"));
    expect(Object.keys(g.inputs).sort()).toEqual(["a", "b"]);
    expect(Object.keys(g.signature.outputs)).toEqual(["value"]);
    expect(g.serialize()).toBe(read("current", "typed_graphdata.gcd.json"));
  });

  it("a loop's name and the graph's named_nodes survive", () => {
    const text = read("current", "typed_graphdata.typed_loop.json")
      .replace('"name": null', '"name": "count"')
      .replace(/"named_nodes": \{\}}$/, '"named_nodes": {"count": 2}}');
    expect(text).toContain('"named_nodes": {"count": 2}}');
    const g = parseGraphData(text);
    expect(g.nodes[2]).toMatchObject({ type: "loop", name: "count" });
    expect(serializeGraphData(g)).toBe(text);
  });
});

/** A graph of every node kind, built here. */
function everyKind() {
  const body = graph({ inputs: { x: t.int32 }, output: { x: t.int32, should_continue: t.boolean } });
  body.output({ x: body.inputs.x, should_continue: body.const(false) });
  const g = graph({ inputs: { xs: t.list(t.int32) }, output: { a: t.list(t.int32), b: t.uint64 } });
  const big = g.const(12345678901234567890n, t.uint64);
  const looped = g.loop(body, { x: g.const(1) });
  const chosen = g.ifElse(looped.should_continue, big, big);
  const evald = g.eval(body, { x: looped.x });
  const mapped = g.map(body, { x: g.each(g.inputs.xs) });
  g.ifElse(evald.should_continue, chosen, chosen, { eager: true });
  g.output({ a: mapped.x, b: chosen });
  return g;
}

describe("graphs we write", () => {
  it("name each port's consumer, as upstream's GraphData.add records it", () => {
    const g = everyKind();
    const tree = JSON.parse(g.serialize()) as { nodes: { type: string; outputs: unknown }[] };
    for (const node of tree.nodes) expect(node.outputs, node.type).not.toBeInstanceOf(Array);
    // The loop (node 4) feeds the if-else (5) and the eval (7); a body's const (3) is no input.
    expect(tree.nodes[4]!.outputs).toEqual({ should_continue: 5, x: 7 });
    expect(tree.nodes[3]!.outputs).toEqual({});
  });

  it("live: upstream's own models read them and write them back byte for byte", async (ctx) => {
    const upstream = findUpstream();
    if (typeof upstream === "string") return ctx.skip(upstream);
    const dir = scratchDir("graph-format-live");
    const g = everyKind();
    writeFileSync(join(dir, "ours.json"), g.serialize());
    writeFileSync(join(dir, "ours.nodedefs"), g.data.nodes.map((n) => `${nodeDefText(n)}\n`).join(""));
    const converted = names.map((name) => {
      const file = join(dir, `from-pre-274.${name}`);
      writeFileSync(file, serializeGraphData(parseGraphData(read("pre-274", name))));
      return file;
    });
    const files = [join(dir, "ours.json"), join(dir, "ours.nodedefs"), ...converted];
    const result = await exec(upstream.python, [join(repoRoot, "test/tierkreis/check_graphs.py"), ...files], {
      env: upstream.env,
    });
    expect(result.stdout.trim().split("\n")).toHaveLength(files.length);
  });
});

// The builder writes upstream GraphData JSON and loads it back; run-time checks of misuse.
import { describe, expect, it } from "vitest";
import { graph, loadGraph, nodeDefText, parseGraphData } from "../../src/graph/index.js";
import { t } from "../../src/runtime/index.js";
import { add, genrsa } from "./fixtures/stubs.js";

describe("graph JSON (upstream GraphData)", () => {
  it("writes nodes in upstream field order with Python separators, outputs as port → consumer (upstream #274)", () => {
    const g = graph({ inputs: { x: t.int32 }, output: t.int32 });
    g.output(g.task(add({ a: g.inputs.x, b: g.const(2) })));
    expect(g.serialize()).toBe(
      '{"nodes": [' +
        '{"name": "x", "outputs": {"x": 2}, "inputs": {}, "type": "input"}, ' +
        '{"value": 2, "outputs": {"value": 2}, "inputs": {}, "type": "const"}, ' +
        '{"function_name": "math_worker.add", "inputs": {"a": [0, "x"], "b": [1, "value"]}, "outputs": {"value": 3}, "type": "function"}, ' +
        '{"inputs": {"value": [2, "value"]}, "outputs": {}, "type": "output"}' +
        '], "fixed_inputs": {}, "graph_inputs": ["x"], "graph_output_idx": 3, "named_nodes": {}}',
    );
    expect(nodeDefText(g.data.nodes[2]!)).toBe(
      '{"function_name":"math_worker.add","inputs":{"a":[0,"x"],"b":[1,"value"]},"outputs":{"value":3},"type":"function"}',
    );
  });

  it("round-trips every node kind, big integers, floats and bytes", () => {
    const body = graph({ inputs: { x: t.int32 }, output: { x: t.int32, should_continue: t.boolean } });
    body.output({ x: body.inputs.x, should_continue: body.const(false) });
    const g = graph({ inputs: { xs: t.list(t.int32) }, output: { a: t.list(t.int32), b: t.uint64 } });
    const big = g.const(12345678901234567890n, t.uint64);
    g.const(2, t.float64);
    g.const(new TextEncoder().encode("hé"));
    const looped = g.loop(body, { x: g.const(1) });
    const chosen = g.ifElse(looped.should_continue, big, big);
    const evald = g.eval(body, { x: looped.x });
    const mapped = g.map(body, { x: g.each(g.inputs.xs) });
    g.ifElse(evald.should_continue, chosen, chosen, { eager: true });
    g.output({ a: mapped.x, b: chosen });
    const text = g.serialize();
    expect(text).toContain('"value": 12345678901234567890,');
    expect(text).toContain('"value": 2.0,');
    expect(text).toContain('{"__tkr_bytes__": true, "bytes": "aMOp"}');
    expect(text).toContain('"function_name": "builtins.unfold_values"');
    expect(text).toContain('"values_glob": [');
    expect(text).toContain('"continue_port": "should_continue"');
    const types = g.data.nodes.map((n) => n.type);
    expect(new Set(types)).toEqual(
      new Set(["input", "const", "loop", "ifelse", "eval", "function", "map", "eifelse", "output"]),
    );
    expect(loadGraph(text).serialize()).toBe(text);
  });

  it("loads upstream's own graph JSON (older field order) and writes it in the current order", () => {
    const upstream =
      '{"nodes": [{"value": 0, "inputs": {}, "type": "const", "outputs": ["value"]}, ' +
      '{"name": "doubler_input", "inputs": {}, "type": "input", "outputs": ["doubler_input"]}, ' +
      '{"function_name": "builtins.iadd", "inputs": {"a": [1, "doubler_input"], "b": [0, "value"]}, "type": "function", "outputs": ["value"]}, ' +
      '{"inputs": {"out": [2, "value"]}, "type": "output", "outputs": []}], "fixed_inputs": {}, "graph_inputs": ["doubler_input"], "graph_output_idx": 3}';
    const g = loadGraph(upstream);
    expect(Object.keys(g.inputs)).toEqual(["doubler_input"]);
    expect(g.signature.outputs).toHaveProperty("out");
    expect(g.data.nodes[2]).toMatchObject({
      type: "function",
      function_name: "builtins.iadd",
      inputs: { a: [1, "doubler_input"] },
    });
  });

  it("rejects graph JSON that refers to missing nodes", () => {
    expect(() =>
      parseGraphData(
        '{"nodes": [{"inputs": {"v": [5, "value"]}, "outputs": [], "type": "output"}], "graph_output_idx": 0}',
      ),
    ).toThrow(/node 0 \(output\) input 'v' refers to missing node 5/);
  });
});

describe("builder checks at run time", () => {
  it("rejects refs from another graph, with the port named", () => {
    const a = graph({ inputs: { x: t.int32 }, output: t.int32 });
    const b = graph({ inputs: { x: t.int32 }, output: t.int32 });
    expect(() => b.task(add({ a: a.inputs.x, b: b.inputs.x }))).toThrow(
      /math_worker.add input 'a': the ref belongs to another graph/,
    );
  });

  it("rejects a missing output port and a constant of the wrong type", () => {
    const g = graph({ inputs: {}, output: { a: t.int32, b: t.int32 } });
    expect(() => g.output({ a: g.const(1) } as never)).toThrow(/port 'b'/);
    expect(() => g.const("x" as never, t.int32)).toThrow(/constant/);
  });

  it("rejects calls with an unknown port (stubs check at run time too)", () => {
    const g = graph({ inputs: {}, output: t.boolean });
    expect(() =>
      genrsa({ numbits: g.const(1), passphrase: g.const(new Uint8Array()), nope: g.const(1) } as never),
    ).toThrow(/no input port named 'nope'/);
  });
});

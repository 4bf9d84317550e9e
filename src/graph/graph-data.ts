/**
 * The graph JSON of the upstream Tierkreis format (`GraphData` in
 * `tierkreis/controller/data/graph.py`): a list of nodes, each referring to the output ports of
 * earlier nodes as `[index, port]`. The builder produces it, the controller runs it, and it is the
 * `.N-1/outputs/body` file of every run.
 *
 * Values inside the graph (constants, nested graphs) are kept as lossless JSON trees
 * (`JsonTree`): integers beyond 2^53 and floats such as `2.0` survive a load/save round trip.
 */
import { JsonNumber, parseJson, pythonString, type JsonObject, type JsonTree } from "../runtime-contract/json-text.js";

/** `[node index, port]`; index -1 is the graph's inputs. */
export type ValueRef = readonly [number, string];

export interface FuncNode {
  readonly type: "function";
  /** `<worker>.<task>`, e.g. `openssl_worker.genrsa`. */
  readonly function_name: string;
  readonly inputs: Record<string, ValueRef>;
  readonly outputs: Set<string>;
}
export interface EvalNode {
  readonly type: "eval";
  readonly graph: ValueRef;
  readonly inputs: Record<string, ValueRef>;
  readonly outputs: Set<string>;
}
export interface LoopNode {
  readonly type: "loop";
  readonly body: ValueRef;
  readonly inputs: Record<string, ValueRef>;
  readonly continue_port: string;
  readonly outputs: Set<string>;
}
export interface MapNode {
  readonly type: "map";
  readonly body: ValueRef;
  readonly inputs: Record<string, ValueRef>;
  readonly outputs: Set<string>;
}
export interface ConstNode {
  readonly type: "const";
  readonly value: JsonTree;
  readonly inputs: Record<string, ValueRef>;
  readonly outputs: Set<string>;
}
export interface IfElseNode {
  readonly type: "ifelse" | "eifelse";
  readonly pred: ValueRef;
  readonly if_true: ValueRef;
  readonly if_false: ValueRef;
  readonly inputs: Record<string, ValueRef>;
  readonly outputs: Set<string>;
}
export interface InputNode {
  readonly type: "input";
  readonly name: string;
  readonly inputs: Record<string, ValueRef>;
  readonly outputs: Set<string>;
}
export interface OutputNode {
  readonly type: "output";
  readonly inputs: Record<string, ValueRef>;
  readonly outputs: Set<string>;
}

export type NodeDef = FuncNode | EvalNode | LoopNode | MapNode | ConstNode | IfElseNode | InputNode | OutputNode;

export interface GraphData {
  readonly nodes: NodeDef[];
  /** Port → `[location, port]` of a value bound when the graph was made (upstream; we write `{}`). */
  readonly fixed_inputs: Record<string, readonly [string, string]>;
  readonly graph_inputs: Set<string>;
  graph_output_idx: number | null;
}

export function emptyGraphData(): GraphData {
  return { nodes: [], fixed_inputs: {}, graph_inputs: new Set(), graph_output_idx: null };
}

/** The refs a node reads, including the graph/body/predicate refs of the structural nodes. */
export function inEdges(node: NodeDef): Record<string, ValueRef> {
  const refs: Record<string, ValueRef> = { ...node.inputs };
  switch (node.type) {
    case "eval":
      refs.body = node.graph;
      break;
    case "loop":
    case "map":
      refs.body = node.body;
      break;
    case "ifelse":
      refs.pred = node.pred;
      break;
    case "eifelse":
      refs.pred = node.pred;
      refs.body_true = node.if_true;
      refs.body_false = node.if_false;
      break;
  }
  return refs;
}

/**
 * Append a node and record on its producers which of their ports are read (upstream keeps
 * `outputs` on the producer). Returns the new node's index.
 */
export function addNode(g: GraphData, node: NodeDef): number {
  const idx = g.nodes.length;
  if (node.type === "output") {
    if (g.graph_output_idx !== null) throw new Error(`graph already has an output (node ${g.graph_output_idx})`);
    g.graph_output_idx = idx;
  }
  if (node.type === "input") g.graph_inputs.add(node.name);
  g.nodes.push(node);
  for (const [i, port] of Object.values(inEdges(node))) {
    if (i >= 0) g.nodes[i]!.outputs.add(port);
  }
  return idx;
}

// ---------------------------------------------------------------------------------------------
// To and from JSON trees, in upstream's field order (the dataclass declaration order).

const num = (n: number) => new JsonNumber(String(n));
const refTree = ([i, p]: ValueRef): JsonTree => [num(i), p];
const refsTree = (refs: Record<string, ValueRef>): JsonObject =>
  new Map(Object.entries(refs).map(([k, r]) => [k, refTree(r)]));
const outsTree = (outs: Set<string>): JsonTree => [...outs];

function nodeTree(n: NodeDef): JsonObject {
  const m: JsonObject = new Map();
  switch (n.type) {
    case "function":
      m.set("function_name", n.function_name).set("inputs", refsTree(n.inputs)).set("outputs", outsTree(n.outputs));
      break;
    case "eval":
      m.set("graph", refTree(n.graph)).set("inputs", refsTree(n.inputs)).set("outputs", outsTree(n.outputs));
      break;
    case "loop":
      m.set("body", refTree(n.body))
        .set("inputs", refsTree(n.inputs))
        .set("continue_port", n.continue_port)
        .set("outputs", outsTree(n.outputs));
      break;
    case "map":
      m.set("body", refTree(n.body)).set("inputs", refsTree(n.inputs)).set("outputs", outsTree(n.outputs));
      break;
    case "const":
      m.set("value", n.value).set("outputs", outsTree(n.outputs)).set("inputs", refsTree(n.inputs));
      break;
    case "ifelse":
    case "eifelse":
      m.set("pred", refTree(n.pred))
        .set("if_true", refTree(n.if_true))
        .set("if_false", refTree(n.if_false))
        .set("outputs", outsTree(n.outputs))
        .set("inputs", refsTree(n.inputs));
      break;
    case "input":
      m.set("name", n.name).set("outputs", outsTree(n.outputs)).set("inputs", refsTree(n.inputs));
      break;
    case "output":
      m.set("inputs", refsTree(n.inputs)).set("outputs", outsTree(n.outputs));
      break;
  }
  return m.set("type", n.type);
}

export function graphToTree(g: GraphData): JsonObject {
  return new Map<string, JsonTree>([
    ["nodes", g.nodes.map(nodeTree)],
    ["fixed_inputs", new Map(Object.entries(g.fixed_inputs).map(([k, [l, p]]) => [k, [l, p]]))],
    ["graph_inputs", [...g.graph_inputs]],
    ["graph_output_idx", g.graph_output_idx === null ? null : num(g.graph_output_idx)],
  ]);
}

export class GraphFormatError extends Error {
  override name = "GraphFormatError";
}

function obj(v: JsonTree | undefined, what: string): JsonObject {
  if (!(v instanceof Map)) throw new GraphFormatError(`${what}: expected an object`);
  return v;
}
function str(v: JsonTree | undefined, what: string): string {
  if (typeof v !== "string") throw new GraphFormatError(`${what}: expected a string`);
  return v;
}
function int(v: JsonTree | undefined, what: string): number {
  if (!(v instanceof JsonNumber) || !v.isInteger) throw new GraphFormatError(`${what}: expected an integer`);
  return Number(v.text);
}
function ref(v: JsonTree | undefined, what: string): ValueRef {
  if (!Array.isArray(v) || v.length !== 2) throw new GraphFormatError(`${what}: expected [node, port]`);
  return [int(v[0], what), str(v[1], what)];
}
function refs(v: JsonTree | undefined, what: string): Record<string, ValueRef> {
  if (v === undefined) return {};
  const out: Record<string, ValueRef> = {};
  for (const [k, r] of obj(v, what)) out[k] = ref(r, `${what}.${k}`);
  return out;
}
function outs(v: JsonTree | undefined, what: string): Set<string> {
  if (v === undefined) return new Set();
  if (!Array.isArray(v)) throw new GraphFormatError(`${what}: expected a list of ports`);
  return new Set(v.map((p) => str(p, what)));
}

function nodeFromTree(t: JsonTree, i: number): NodeDef {
  const where = `node ${i}`;
  const m = obj(t, where);
  const type = str(m.get("type"), `${where}.type`);
  const inputs = refs(m.get("inputs"), `${where}.inputs`);
  const outputs = outs(m.get("outputs"), `${where}.outputs`);
  switch (type) {
    case "function":
      return { type, function_name: str(m.get("function_name"), `${where}.function_name`), inputs, outputs };
    case "eval":
      return { type, graph: ref(m.get("graph"), `${where}.graph`), inputs, outputs };
    case "loop":
      return {
        type,
        body: ref(m.get("body"), `${where}.body`),
        inputs,
        continue_port: str(m.get("continue_port"), `${where}.continue_port`),
        outputs,
      };
    case "map":
      return { type, body: ref(m.get("body"), `${where}.body`), inputs, outputs };
    case "const":
      if (!m.has("value")) throw new GraphFormatError(`${where}: const without a value`);
      return { type, value: m.get("value") as JsonTree, inputs, outputs };
    case "ifelse":
    case "eifelse":
      return {
        type,
        pred: ref(m.get("pred"), `${where}.pred`),
        if_true: ref(m.get("if_true"), `${where}.if_true`),
        if_false: ref(m.get("if_false"), `${where}.if_false`),
        inputs,
        outputs,
      };
    case "input":
      return { type, name: str(m.get("name"), `${where}.name`), inputs, outputs };
    case "output":
      return { type, inputs, outputs };
    default:
      throw new GraphFormatError(`${where}: unknown node type '${type}'`);
  }
}

export function graphFromTree(t: JsonTree): GraphData {
  const m = obj(t, "graph");
  const nodes = m.get("nodes");
  if (!Array.isArray(nodes)) throw new GraphFormatError("graph.nodes: expected a list");
  const fixed: Record<string, readonly [string, string]> = {};
  for (const [k, v] of obj(m.get("fixed_inputs") ?? new Map(), "graph.fixed_inputs")) {
    if (!Array.isArray(v) || v.length !== 2) throw new GraphFormatError(`graph.fixed_inputs.${k}: expected [loc, port]`);
    fixed[k] = [str(v[0], k), str(v[1], k)];
  }
  const out = m.get("graph_output_idx");
  const g: GraphData = {
    nodes: nodes.map(nodeFromTree),
    fixed_inputs: fixed,
    graph_inputs: outs(m.get("graph_inputs"), "graph.graph_inputs"),
    graph_output_idx: out === null || out === undefined ? null : int(out, "graph.graph_output_idx"),
  };
  checkGraph(g);
  return g;
}

/** Refs point backwards at existing nodes, and the output index is an output node. */
function checkGraph(g: GraphData): void {
  g.nodes.forEach((n, i) => {
    for (const [port, [j]] of Object.entries(inEdges(n))) {
      if (j < -1 || j >= g.nodes.length || j === i) {
        throw new GraphFormatError(`node ${i} (${n.type}) input '${port}' refers to missing node ${j}`);
      }
    }
  });
  const o = g.graph_output_idx;
  if (o !== null && g.nodes[o]?.type !== "output") throw new GraphFormatError(`graph_output_idx ${o} is not an output node`);
}

// ---------------------------------------------------------------------------------------------
// JSON text writers

/** Python `json.dumps` text (separators `", "` / `": "`, ASCII escapes), as upstream writes values. */
export function pythonJson(t: JsonTree): string {
  if (t === null) return "null";
  if (typeof t === "boolean") return t ? "true" : "false";
  if (typeof t === "string") return pythonString(t);
  if (t instanceof JsonNumber) return t.text;
  if (Array.isArray(t)) return `[${t.map(pythonJson).join(", ")}]`;
  return `{${[...t].map(([k, v]) => `${pythonString(k)}: ${pythonJson(v)}`).join(", ")}}`;
}

/** Compact JSON with raw UTF-8 (pydantic `model_dump_json`), as upstream writes `nodedef`. */
export function compactJson(t: JsonTree): string {
  if (t === null) return "null";
  if (typeof t === "boolean") return t ? "true" : "false";
  if (typeof t === "string") return JSON.stringify(t);
  if (t instanceof JsonNumber) return t.text;
  if (Array.isArray(t)) return `[${t.map(compactJson).join(",")}]`;
  return `{${[...t].map(([k, v]) => `${JSON.stringify(k)}:${compactJson(v)}`).join(",")}}`;
}

/** The graph as the text of a `body` port file. */
export function serializeGraphData(g: GraphData): string {
  return pythonJson(graphToTree(g));
}

export function parseGraphData(text: string): GraphData {
  return graphFromTree(parseJson(text));
}

export function nodeDefText(n: NodeDef): string {
  return compactJson(nodeTree(n));
}

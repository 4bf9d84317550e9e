/**
 * The graph JSON of the upstream Tierkreis format (`GraphData` in
 * `tierkreis/controller/data/graph.py`): a list of nodes, each referring to the output ports of
 * earlier nodes as `[index, port]`. The builder produces it, the controller runs it, and it is the
 * `.N-1/outputs/body` file of every run.
 *
 * A node's `outputs` is written as upstream writes it since its "restart dependent nodes" change
 * (#274): a map from port to the index of the node that reads it (the last such node, as
 * upstream's `GraphData.add` records it). Graphs from before that change, where it is a list of
 * ports, are read too, and written back in the current form.
 *
 * Values inside the graph (constants, nested graphs) are kept as lossless JSON trees
 * (`JsonTree`): integers beyond 2^53 and floats such as `2.0` survive a load/save round trip.
 */
import { JsonNumber, parseJson, pythonString, type JsonObject, type JsonTree } from "../contract/json-text.js";

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
  /** Upstream's loop name (`named_nodes`); absent or null for an unnamed loop. */
  readonly name?: string | null;
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
  /** Loop name → node index (upstream's `named_nodes`). */
  readonly named_nodes?: Record<string, number>;
}

/** Why a loop name cannot name its trace (it is a file name under `debug/`), or undefined. */
export function loopNameProblem(name: string): string | undefined {
  if (name === "" || name === "." || name === ".." || /[/\0]/.test(name))
    return "cannot be a file name (it names the loop's trace in debug/)";
  return undefined;
}

export function emptyGraphData(): GraphData {
  return { nodes: [], fixed_inputs: {}, graph_inputs: new Set(), graph_output_idx: null, named_nodes: {} };
}

/**
 * Per node, upstream's `outputs` map: port → index of the node reading it. Kept beside the node
 * (its `outputs` set is what the controller uses) and filled by `addNode` and `graphFromTree`.
 */
const consumersOf = new WeakMap<NodeDef, Map<string, number>>();

function consumers(node: NodeDef): Map<string, number> {
  let map = consumersOf.get(node);
  if (!map) consumersOf.set(node, (map = new Map()));
  return map;
}

/** The refs upstream's `GraphData.add` records on their producers: an if-else's three, then the inputs (not bodies). */
function recordedRefs(node: NodeDef): ValueRef[] {
  const branches = node.type === "ifelse" || node.type === "eifelse" ? [node.pred, node.if_true, node.if_false] : [];
  return [...branches, ...Object.values(node.inputs)];
}

function recordConsumer(nodes: readonly NodeDef[], node: NodeDef, idx: number): void {
  for (const [i, port] of recordedRefs(node)) {
    if (i >= 0 && nodes[i]) consumers(nodes[i]).set(port, idx);
  }
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
  if (node.type === "loop" && node.name) Object.assign(g, { named_nodes: { ...g.named_nodes, [node.name]: idx } });
  g.nodes.push(node);
  for (const [i, port] of Object.values(inEdges(node))) {
    if (i >= 0) g.nodes[i]!.outputs.add(port);
  }
  recordConsumer(g.nodes, node, idx);
  return idx;
}

// ---------------------------------------------------------------------------------------------
// To and from JSON trees, in upstream's field order (the dataclass declaration order).

const num = (n: number) => new JsonNumber(String(n));
const refTree = ([i, p]: ValueRef): JsonTree => [num(i), p];
const refsTree = (refs: Record<string, ValueRef>): JsonObject =>
  new Map(Object.entries(refs).map(([k, r]) => [k, refTree(r)]));
/** Ports nobody reads by upstream's rule (a body ref) are left out, as upstream leaves them out. */
const outsTree = (n: NodeDef): JsonObject => new Map([...(consumersOf.get(n) ?? [])].map(([p, i]) => [p, num(i)]));

function nodeTree(n: NodeDef): JsonObject {
  const m: JsonObject = new Map();
  switch (n.type) {
    case "function":
      m.set("function_name", n.function_name).set("inputs", refsTree(n.inputs)).set("outputs", outsTree(n));
      break;
    case "eval":
      m.set("graph", refTree(n.graph)).set("inputs", refsTree(n.inputs)).set("outputs", outsTree(n));
      break;
    case "loop":
      m.set("body", refTree(n.body))
        .set("inputs", refsTree(n.inputs))
        .set("continue_port", n.continue_port)
        .set("outputs", outsTree(n))
        .set("type", n.type)
        .set("name", n.name ?? null);
      break;
    case "map":
      m.set("body", refTree(n.body)).set("inputs", refsTree(n.inputs)).set("outputs", outsTree(n));
      break;
    case "const":
      m.set("value", n.value).set("outputs", outsTree(n)).set("inputs", refsTree(n.inputs));
      break;
    case "ifelse":
    case "eifelse":
      m.set("pred", refTree(n.pred))
        .set("if_true", refTree(n.if_true))
        .set("if_false", refTree(n.if_false))
        .set("outputs", outsTree(n))
        .set("inputs", refsTree(n.inputs));
      break;
    case "input":
      m.set("name", n.name).set("outputs", outsTree(n)).set("inputs", refsTree(n.inputs));
      break;
    case "output":
      m.set("inputs", refsTree(n.inputs)).set("outputs", outsTree(n));
      break;
  }
  return m.set("type", n.type);
}

export function graphToTree(g: GraphData): JsonObject {
  const tree = new Map<string, JsonTree>([
    ["nodes", g.nodes.map(nodeTree)],
    ["fixed_inputs", new Map(Object.entries(g.fixed_inputs).map(([k, [l, p]]) => [k, [l, p]]))],
    ["graph_inputs", [...g.graph_inputs]],
    ["graph_output_idx", g.graph_output_idx === null ? null : num(g.graph_output_idx)],
  ]);
  // Written always, as upstream's model writes its default (older upstream graph files lack it).
  return tree.set("named_nodes", new Map(Object.entries(g.named_nodes ?? {}).map(([k, i]) => [k, num(i)])));
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
function ports(v: JsonTree | undefined, what: string): Set<string> {
  if (v === undefined) return new Set();
  if (!Array.isArray(v)) throw new GraphFormatError(`${what}: expected a list of ports`);
  return new Set(v.map((p) => str(p, what)));
}

/** A node's `outputs`: `{port: consumer}` (upstream since #274), or a list of ports (before), whose consumers are then worked out. */
function outs(v: JsonTree | undefined, what: string): { ports: Set<string>; consumers?: Map<string, number> } {
  if (!(v instanceof Map)) return { ports: ports(v, what) };
  const map = new Map([...v].map(([port, i]) => [port, int(i, `${what}.${port}`)]));
  return { ports: new Set(map.keys()), consumers: map };
}

function nodeFromTree(t: JsonTree, i: number): NodeDef {
  const where = `node ${i}`;
  const m = obj(t, where);
  const out = outs(m.get("outputs"), `${where}.outputs`);
  const node = nodeOfType(m, where, out.ports);
  if (out.consumers) consumersOf.set(node, out.consumers);
  return node;
}

function nodeOfType(m: JsonObject, where: string, outputs: Set<string>): NodeDef {
  const type = str(m.get("type"), `${where}.type`);
  const inputs = refs(m.get("inputs"), `${where}.inputs`);
  switch (type) {
    case "function":
      return { type, function_name: str(m.get("function_name"), `${where}.function_name`), inputs, outputs };
    case "eval":
      return { type, graph: ref(m.get("graph"), `${where}.graph`), inputs, outputs };
    case "loop": {
      const name = m.get("name");
      return {
        type,
        body: ref(m.get("body"), `${where}.body`),
        inputs,
        continue_port: str(m.get("continue_port"), `${where}.continue_port`),
        outputs,
        ...(name === undefined || name === null ? {} : { name: str(name, `${where}.name`) }),
      };
    }
    case "map":
      return { type, body: ref(m.get("body"), `${where}.body`), inputs, outputs };
    case "const":
      if (!m.has("value")) throw new GraphFormatError(`${where}: const without a value`);
      return { type, value: currentGraphValue(m.get("value") as JsonTree), inputs, outputs };
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
    if (!Array.isArray(v) || v.length !== 2)
      throw new GraphFormatError(`graph.fixed_inputs.${k}: expected [loc, port]`);
    fixed[k] = [str(v[0], k), str(v[1], k)];
  }
  let named: Record<string, number> | undefined;
  if (m.has("named_nodes")) {
    named = {};
    for (const [k, v] of obj(m.get("named_nodes"), "graph.named_nodes")) named[k] = int(v, `graph.named_nodes.${k}`);
  }
  const out = m.get("graph_output_idx");
  const g: GraphData = {
    nodes: nodes.map(nodeFromTree),
    fixed_inputs: fixed,
    graph_inputs: ports(m.get("graph_inputs"), "graph.graph_inputs"),
    graph_output_idx: out === null || out === undefined ? null : int(out, "graph.graph_output_idx"),
    ...(named ? { named_nodes: named } : {}),
  };
  checkGraph(g);
  // A graph from before #274 names no consumers: record them as upstream's `add` would have.
  const listed = new Set(g.nodes.filter((n) => !consumersOf.has(n)));
  g.nodes.forEach((n, idx) => {
    for (const [i, port] of recordedRefs(n)) {
      if (i >= 0 && listed.has(g.nodes[i]!)) consumers(g.nodes[i]!).set(port, idx);
    }
  });
  for (const n of listed) consumers(n);
  return g;
}

/**
 * A const that holds a graph (the body of an eval, loop or map) is rewritten in the current form,
 * so that upstream can read the graph we write; any other value is left as it is.
 */
function currentGraphValue(value: JsonTree): JsonTree {
  if (!(value instanceof Map) || !Array.isArray(value.get("nodes")) || !value.has("graph_output_idx")) return value;
  try {
    return graphToTree(graphFromTree(value));
  } catch (error) {
    if (error instanceof GraphFormatError) return value;
    throw error;
  }
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
  if (o !== null && g.nodes[o]?.type !== "output")
    throw new GraphFormatError(`graph_output_idx ${o} is not an output node`);
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

/**
 * The node definition upstream writes in a loop iteration's or map element's folder: an eval of
 * `body` on `inputs`, with the loop's or map's consumers as its outputs (its visualizer shows them).
 */
export function instanceNodeDefText(node: LoopNode | MapNode, inputs: Record<string, ValueRef>): string {
  const ev: EvalNode = { type: "eval", graph: [-1, "body"], inputs, outputs: node.outputs };
  const c = consumersOf.get(node);
  if (c) consumersOf.set(ev, c);
  return nodeDefText(ev);
}

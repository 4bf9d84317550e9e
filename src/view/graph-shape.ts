/**
 * The shape of a run's graph as the viewer needs it: node kinds, task names, which node reads
 * which, and the nested graphs of eval, map and loop nodes. Read leniently from plain JSON so
 * that both node formats (`outputs` as a list of ports, or upstream's newer map of port to
 * consumer) and graphs written by upstream are shown; values are not needed exactly here.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

export type Ref = readonly [number, string];

export interface ShapeNode {
  readonly type: string;
  readonly functionName?: string;
  /** Every ref the node reads: inputs, and its body, graph or predicate. */
  readonly reads: readonly Ref[];
  /** The ref of the nested graph (eval: `graph`, map and loop: `body`). */
  readonly body?: Ref;
  readonly value?: unknown;
}

export interface GraphShape {
  readonly nodes: readonly ShapeNode[];
  readonly outputIdx: number | null;
}

const isRef = (r: unknown): r is Ref =>
  Array.isArray(r) && r.length === 2 && typeof r[0] === "number" && typeof r[1] === "string";

export function looksLikeGraph(v: unknown): boolean {
  return typeof v === "object" && v !== null && Array.isArray((v as { nodes?: unknown }).nodes);
}

export function shapeOf(v: unknown): GraphShape {
  if (!looksLikeGraph(v)) throw new Error("not a graph (no 'nodes' list)");
  const g = v as {
    nodes: Record<string, unknown>[];
    graph_output_idx?: unknown;
  };
  const nodes = g.nodes.map((n): ShapeNode => {
    const reads: Ref[] = [];
    const inputs = (n.inputs ?? {}) as Record<string, unknown>;
    for (const r of Object.values(inputs)) if (isRef(r)) reads.push(r);
    for (const k of ["graph", "body", "pred", "if_true", "if_false"]) if (isRef(n[k])) reads.push(n[k] as Ref);
    const body = isRef(n.graph) ? (n.graph as Ref) : isRef(n.body) ? (n.body as Ref) : undefined;
    return {
      type: String(n.type),
      ...(typeof n.function_name === "string" ? { functionName: n.function_name } : {}),
      reads,
      ...(body ? { body } : {}),
      ...(n.type === "const" ? { value: n.value } : {}),
    };
  });
  return {
    nodes,
    outputIdx: typeof g.graph_output_idx === "number" ? g.graph_output_idx : null,
  };
}

/**
 * The nested graph a node at `loc` (in the instance at `instLoc` of graph `g`) runs: a constant
 * in the same graph, else the value file its producer wrote. Undefined when it cannot be known
 * yet (a graph passed in from outside, or not produced yet).
 */
export function bodyShape(runDir: string, instLoc: string, g: GraphShape, node: ShapeNode): GraphShape | undefined {
  if (!node.body) return undefined;
  const [j, port] = node.body;
  const producer = j >= 0 ? g.nodes[j] : undefined;
  try {
    if (producer?.type === "const" && looksLikeGraph(producer.value)) return shapeOf(producer.value);
    if (j >= 0 && /^[\w.-]+$/.test(port))
      return shapeOf(JSON.parse(readFileSync(join(runDir, `${instLoc}.N${j}`, "outputs", port), "utf8")));
  } catch {
    // Not readable (yet): the nested nodes are still found from their folders.
  }
  return undefined;
}

/** Indexes of the nodes of `g` that read an output of node `idx`. */
export function consumers(g: GraphShape, idx: number): number[] {
  const out: number[] = [];
  g.nodes.forEach((n, j) => {
    if (n.reads.some(([i]) => i === idx)) out.push(j);
  });
  return out;
}

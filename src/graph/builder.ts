/**
 * The typed graph builder. A graph author writes TypeScript against generated stubs; every ref
 * carries the TypeScript type of its value, so a ref of the wrong type or a misspelled port is a
 * `tsc` error. The builder records the graph in the upstream `GraphData` shape (see
 * `graph-data.ts`), plus what the upstream format does not carry: the declared types of the
 * graph's inputs and outputs and the signatures of the tasks it calls.
 */
import { encodeUntyped, encodeValue } from "../contract/codec.js";
import { parseJson, type JsonTree } from "../contract/json-text.js";
import type { InputRefs, OutputRefs, OutputShape, Ref, TaskCall, TaskSignature } from "../runtime/task.js";
import type { ValueType } from "../contract/value-type.js";
import {
  loopNameProblem,
  addNode,
  emptyGraphData,
  graphToTree,
  parseGraphData,
  serializeGraphData,
  type GraphData,
  type ValueRef,
} from "./graph-data.js";
import type { PortTypes, TsOf, TsOfPorts } from "../runtime/ts-of.js";

/** The port a loop body sets to say whether to run again (upstream's name). */
export const CONTINUE_PORT = "should_continue";

/** Names of the built-in tasks the builder uses for `map` (upstream's `builtins` worker). */
export const UNFOLD = "builtins.unfold_values";
export const FOLD = "builtins.fold_values";

declare const eachType: unique symbol;
/** A list ref a `map` iterates over (one body run per element); made by `g.each(list)`. */
export interface Each<T> {
  readonly [eachType]?: T;
  readonly each: Ref<T[]>;
}

/** Inputs of a mapped body: each one either iterated (`g.each(list)`) or the same for every element. */
export type MapInputs<I> = { [K in keyof I]: Ref<Exclude<I[K], undefined>> | Each<Exclude<I[K], undefined>> };

/** What a `map` gives back: the body's outputs, each collected into a list. */
export type MapOutputRefs<O, S extends OutputShape> = S extends "ports"
  ? { readonly [K in keyof O]-?: Ref<Exclude<O[K], undefined>[]> }
  : Ref<O[]>;

/** The refs a graph's `output` takes. */
export type GraphOutputRefs<O, S extends OutputShape> = S extends "ports" ? InputRefs<O> : Ref<O>;

/** Widen literal types of constants (`g.const(2048)` is a `Ref<number>`). */
type Widen<T> = T extends string ? string : T extends number ? number : T extends boolean ? boolean : T;

export type OutputSpec = ValueType | PortTypes;
type ShapeOf<OD> = OD extends { kind: string } ? "value" : "ports";
type OutputOf<OD> = OD extends { kind: string } ? TsOf<OD> : TsOfPorts<OD>;

export interface GraphSpec<ID extends PortTypes, OD extends OutputSpec> {
  /** Graph inputs by name, with their types. */
  readonly inputs?: ID;
  /** A single output (port `value`) or named output ports. */
  readonly output: OD;
  /** Shown in the run's `_metadata` and progress. */
  readonly name?: string;
}

/** The declared types of a graph's boundary: not part of the upstream JSON. */
export interface GraphSignature {
  readonly inputs: PortTypes;
  /** Output port → type; a single-valued graph has the one port `value`. */
  readonly outputs: PortTypes;
  readonly shape: OutputShape;
}

const isTypeDesc = (x: OutputSpec): x is ValueType => typeof (x as { kind?: unknown }).kind === "string";

function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

/** A constant's JSON tree: top-level bytes become the `__tkr_bytes__` object (see the docs). */
function constTree(value: unknown, type: ValueType | undefined): JsonTree {
  const bytes = type ? encodeValue(value, type) : encodeUntyped(value);
  if (type ? type.kind === "bytes" : value instanceof Uint8Array) {
    return new Map<string, JsonTree>([
      ["__tkr_bytes__", true],
      ["bytes", b64(bytes)],
    ]);
  }
  return parseJson(Buffer.from(bytes).toString("utf8"));
}

export class GraphBuildError extends Error {
  override name = "GraphBuildError";
}

export class Graph<I, O, S extends OutputShape> {
  readonly data: GraphData = emptyGraphData();
  /** Task signatures by `<worker>.<task>`, including those of nested graphs. */
  readonly tasks = new Map<string, TaskSignature>();
  /** Refs to the graph's inputs, one per declared input. */
  readonly inputs: { readonly [K in keyof I]-?: Ref<Exclude<I[K], undefined>> };

  constructor(
    readonly signature: GraphSignature,
    readonly name = "graph",
  ) {
    const refs: Record<string, Ref<unknown>> = {};
    for (const port of Object.keys(signature.inputs)) {
      refs[port] = this.ref(addNode(this.data, { type: "input", name: port, inputs: {}, outputs: new Set() }), port);
    }
    this.inputs = refs as Graph<I, O, S>["inputs"];
  }

  private ref<T>(node: number, port: string): Ref<T> {
    return { node, port, scope: this };
  }

  private use(ref: Ref<unknown> | undefined, what: string): ValueRef {
    if (!ref || typeof ref !== "object" || typeof ref.node !== "number") {
      throw new GraphBuildError(`${what}: not a ref (got ${String(ref)})`);
    }
    if (ref.scope !== this) {
      throw new GraphBuildError(
        `${what}: the ref belongs to another graph; pass values into a nested graph through its inputs`,
      );
    }
    return [ref.node, ref.port];
  }

  private useAll(refs: Readonly<Record<string, Ref<unknown> | undefined>>, what: string): Record<string, ValueRef> {
    const out: Record<string, ValueRef> = {};
    for (const [port, r] of Object.entries(refs))
      if (r !== undefined) out[port] = this.use(r, `${what} input '${port}'`);
    return out;
  }

  private refsFor(idx: number, ports: Iterable<string>): Record<string, Ref<unknown>> {
    return Object.fromEntries([...ports].map((p) => [p, this.ref(idx, p)]));
  }

  private outputRefs(idx: number, sig: GraphSignature): unknown {
    return sig.shape === "value" ? this.ref(idx, "value") : this.refsFor(idx, Object.keys(sig.outputs));
  }

  /** A constant. Without a type, it is encoded as upstream does without an annotation. */
  const<D extends ValueType>(value: TsOf<D>, type: D): Ref<TsOf<D>>;
  const<T>(value: T): Ref<Widen<T>>;
  const(value: unknown, type?: ValueType): Ref<unknown> {
    let tree: JsonTree;
    try {
      tree = constTree(value, type);
    } catch (e) {
      throw new GraphBuildError(`constant: ${(e as Error).message}`);
    }
    return this.ref(addNode(this.data, { type: "const", value: tree, inputs: {}, outputs: new Set() }), "value");
  }

  /** Add a task call (`genrsa({ ... })` from generated stubs); returns its output refs. */
  task<O2, S2 extends OutputShape>(call: TaskCall<O2, S2>): OutputRefs<O2, S2> {
    const desc = call.task;
    const fn = `${desc.worker}.${desc.name}`;
    const idx = addNode(this.data, {
      type: "function",
      function_name: fn,
      inputs: this.useAll(call.inputs, fn),
      outputs: new Set(),
    });
    this.tasks.set(fn, desc);
    const ports = desc.outputs.map((p) => p.name);
    return (desc.shape === "value" ? this.ref(idx, "value") : this.refsFor(idx, ports)) as OutputRefs<O2, S2>;
  }

  private embed(body: Graph<unknown, unknown, OutputShape>, what: string): ValueRef {
    if (body === (this as unknown)) throw new GraphBuildError(`${what}: a graph cannot contain itself`);
    if (body.data.graph_output_idx === null)
      throw new GraphBuildError(`${what}: the body graph '${body.name}' has no output`);
    for (const [k, v] of body.tasks) this.tasks.set(k, v);
    const idx = addNode(this.data, { type: "const", value: graphToTree(body.data), inputs: {}, outputs: new Set() });
    return [idx, "value"];
  }

  private checkBodyInputs(body: Graph<unknown, unknown, OutputShape>, given: Record<string, unknown>, what: string) {
    for (const port of Object.keys(body.signature.inputs)) {
      if (given[port] === undefined)
        throw new GraphBuildError(`${what}: input '${port}' of '${body.name}' is not given`);
    }
    for (const port of Object.keys(given)) {
      if (!(port in body.signature.inputs)) throw new GraphBuildError(`${what}: '${body.name}' has no input '${port}'`);
    }
  }

  /** Run a nested graph on the given inputs. */
  eval<I2, O2, S2 extends OutputShape>(body: Graph<I2, O2, S2>, inputs: InputRefs<I2>): OutputRefs<O2, S2> {
    const b = body as Graph<unknown, unknown, OutputShape>;
    const given = inputs as Record<string, Ref<unknown>>;
    this.checkBodyInputs(b, given, "eval");
    const graph = this.embed(b, "eval");
    const idx = addNode(this.data, { type: "eval", graph, inputs: this.useAll(given, "eval"), outputs: new Set() });
    return this.outputRefs(idx, body.signature) as OutputRefs<O2, S2>;
  }

  /** Mark a list ref to be iterated by `map`. */
  each<T>(list: Ref<T[]>): Each<T> {
    this.use(list, "each");
    return { each: list };
  }

  /**
   * Run `body` once per element of the `each(...)` inputs (zipped when several; they must have the
   * same length) and collect each output port into a list.
   */
  map<I2, O2, S2 extends OutputShape>(body: Graph<I2, O2, S2>, inputs: MapInputs<I2>): MapOutputRefs<O2, S2> {
    const b = body as Graph<unknown, unknown, OutputShape>;
    const given = inputs as Record<string, Ref<unknown> | Each<unknown>>;
    this.checkBodyInputs(b, given, "map");
    const unfolded = new Map<string, number>();
    const ins: Record<string, ValueRef> = {};
    for (const [port, v] of Object.entries(given)) {
      if ("each" in v && !("node" in v)) {
        const [n, p] = this.use(v.each, `map input '${port}'`);
        const key = `${n}/${p}`;
        let u = unfolded.get(key);
        if (u === undefined) {
          u = addNode(this.data, {
            type: "function",
            function_name: UNFOLD,
            inputs: { value: [n, p] },
            outputs: new Set(),
          });
          unfolded.set(key, u);
        }
        ins[port] = [u, "*"];
      } else {
        ins[port] = this.use(v as Ref<unknown>, `map input '${port}'`);
      }
    }
    if (unfolded.size === 0) throw new GraphBuildError("map: no input is iterated; wrap the list in g.each(list)");
    const bodyRef = this.embed(b, "map");
    const idx = addNode(this.data, { type: "map", body: bodyRef, inputs: ins, outputs: new Set() });
    const folded: Record<string, Ref<unknown>> = {};
    for (const port of Object.keys(body.signature.outputs)) {
      const f = addNode(this.data, {
        type: "function",
        function_name: FOLD,
        inputs: { values_glob: [idx, `${port}-*`] },
        outputs: new Set(),
      });
      folded[port] = this.ref(f, "value");
    }
    return (body.signature.shape === "value" ? folded.value : folded) as MapOutputRefs<O2, S2>;
  }

  /**
   * Run `body` repeatedly: the first time on `inputs`, then on its own outputs (by port name,
   * other inputs kept), while its `should_continue` output is true. Gives the last run's outputs.
   * A named loop (`{ name }`, unique in the run) keeps each iteration's outputs: its trace, read
   * with `readLoopTrace` or `typespec-workers trace`.
   */
  loop<I2, O2 extends { [CONTINUE_PORT]: boolean }>(
    body: Graph<I2, O2, "ports">,
    inputs: InputRefs<I2>,
    options: { name?: string } = {},
  ): OutputRefs<O2, "ports"> {
    if (options.name !== undefined) {
      const why = typeof options.name === "string" ? loopNameProblem(options.name) : "is not a string";
      if (why) throw new GraphBuildError(`loop: name ${JSON.stringify(options.name)} ${why}`);
      if (this.data.named_nodes?.[options.name] !== undefined)
        throw new GraphBuildError(`loop: the name '${options.name}' is taken by another loop of '${this.name}'`);
    }
    const b = body as Graph<unknown, unknown, OutputShape>;
    if (!(CONTINUE_PORT in body.signature.outputs)) {
      throw new GraphBuildError(`loop: the body '${body.name}' has no '${CONTINUE_PORT}' output`);
    }
    const given = inputs as Record<string, Ref<unknown>>;
    this.checkBodyInputs(b, given, "loop");
    const bodyRef = this.embed(b, "loop");
    const idx = addNode(this.data, {
      type: "loop",
      body: bodyRef,
      inputs: this.useAll(given, "loop"),
      continue_port: CONTINUE_PORT,
      outputs: new Set(),
      ...(options.name !== undefined ? { name: options.name } : {}),
    });
    return this.outputRefs(idx, body.signature) as OutputRefs<O2, "ports">;
  }

  /**
   * `ifTrue` when `pred` is true, else `ifFalse`. Lazy by default: only the chosen branch's
   * producers run. `eager` runs both (upstream's `eifelse`).
   */
  ifElse<A, B>(pred: Ref<boolean>, ifTrue: Ref<A>, ifFalse: Ref<B>, options: { eager?: boolean } = {}): Ref<A | B> {
    const idx = addNode(this.data, {
      type: options.eager ? "eifelse" : "ifelse",
      pred: this.use(pred, "ifElse predicate"),
      if_true: this.use(ifTrue, "ifElse true branch"),
      if_false: this.use(ifFalse, "ifElse false branch"),
      inputs: {},
      outputs: new Set(),
    });
    return this.ref(idx, "value");
  }

  /** Set the graph's output: one ref for a single-valued graph, else one ref per output port. */
  output(refs: GraphOutputRefs<O, S>): this {
    const given: Record<string, Ref<unknown>> = this.signature.shape === "value"
      ? { value: refs as Ref<unknown> }
      : (refs as Record<string, Ref<unknown>>);
    for (const port of Object.keys(this.signature.outputs)) {
      if (given[port] === undefined) throw new GraphBuildError(`output: port '${port}' of '${this.name}' is not given`);
    }
    for (const port of Object.keys(given)) {
      if (!(port in this.signature.outputs))
        throw new GraphBuildError(`output: '${this.name}' has no output port '${port}'`);
    }
    addNode(this.data, { type: "output", inputs: this.useAll(given, "output"), outputs: new Set() });
    return this;
  }

  /** The graph JSON (upstream `GraphData`, as the `body` port file holds it). */
  serialize(): string {
    return serializeGraphData(this.data);
  }
}

/**
 * Start a graph. `inputs` and `output` are value types (`t.int32`, `{ ok: t.boolean }`); they
 * type the refs and check the values at run time.
 */
// `{}`: a graph without inputs or outputs declared has none (no other type says "no ports").
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export function graph<ID extends PortTypes = {}, OD extends OutputSpec = {}>(
  spec: GraphSpec<ID, OD>,
): Graph<TsOfPorts<ID>, OutputOf<OD>, ShapeOf<OD>> {
  return new Graph(signatureOf(spec.inputs ?? {}, spec.output), spec.name);
}

export function signatureOf(inputs: PortTypes, output: OutputSpec): GraphSignature {
  return isTypeDesc(output)
    ? { inputs, outputs: { value: output }, shape: "value" }
    : { inputs, outputs: output, shape: "ports" };
}

/**
 * Load graph JSON (ours or upstream's). Give the signature to get typed refs and checked inputs;
 * without it the inputs are the graph's `graph_inputs` with no declared type.
 */
export function loadGraph<ID extends PortTypes = PortTypes, OD extends OutputSpec = PortTypes>(
  text: string,
  spec?: GraphSpec<ID, OD>,
  tasks: readonly TaskSignature[] = [],
): Graph<TsOfPorts<ID>, OutputOf<OD>, ShapeOf<OD>> {
  const data = parseGraphData(text);
  const sig = spec ? signatureOf(spec.inputs ?? {}, spec.output) : untypedSignature(data);
  const g = Object.create(Graph.prototype) as Graph<TsOfPorts<ID>, OutputOf<OD>, ShapeOf<OD>>;
  const inputs: Record<string, Ref<unknown>> = {};
  data.nodes.forEach((n, i) => {
    if (n.type === "input") inputs[n.name] = { node: i, port: n.name, scope: g };
  });
  Object.assign(g, {
    data,
    tasks: new Map(tasks.map((d) => [`${d.worker}.${d.name}`, d])),
    signature: sig,
    inputs,
    name: spec?.name ?? "graph",
  });
  return g;
}

/** Untyped inputs are `unknown`-typed (encoded as upstream does without annotations). */
export const ANY: ValueType = { kind: "any" };

function untypedSignature(data: GraphData): GraphSignature {
  const outNode = data.graph_output_idx === null ? undefined : data.nodes[data.graph_output_idx];
  const outPorts = outNode ? Object.keys(outNode.inputs) : [];
  const shape: OutputShape = outPorts.length === 1 && outPorts[0] === "value" ? "value" : "ports";
  return {
    inputs: Object.fromEntries([...data.graph_inputs].map((p) => [p, ANY])),
    outputs: Object.fromEntries(outPorts.map((p) => [p, ANY])),
    shape,
  };
}

/**
 * The typed surface that generated stubs are made of: value references, task signatures, task
 * factories and worker stubs. Types here are what make a graph that passes a string where `int32`
 * is declared, or reads a port that does not exist, fail `tsc`.
 */
import type { TsOf } from "./ts-of.js";
import type { OutputShape, ValueType } from "../contract/value-type.js";

/** A port of a task: an input (one per parameter) or an output. */
export interface Port {
  readonly name: string;
  readonly type: ValueType;
  /** An input that may be left unconnected (optional parameter or one with a default). */
  readonly optional?: boolean;
  /** The parameter default as a JSON value (decoded by `type`), used when the input is absent. */
  readonly default?: unknown;
  readonly doc?: string;
}

export type { OutputShape };

/** Everything the runtime needs to know about one task (`worker.json` has the same ports). */
export interface TaskSignature {
  readonly worker: string;
  readonly name: string;
  readonly doc?: string;
  readonly inputs: readonly Port[];
  readonly outputs: readonly Port[];
  readonly shape: OutputShape;
}

declare const valueType: unique symbol;

/**
 * A reference to a value that exists when a graph runs: a graph input, a constant, or an output
 * port of a task. `T` is the TypeScript type of the value; it exists only for the type checker.
 */
export interface Ref<T> {
  readonly [valueType]?: T;
  /** Node that produces the value, numbered within its graph. */
  readonly node: number;
  /** Output port of that node. */
  readonly port: string;
  /** The graph the ref belongs to (refs cannot cross graphs without being passed in). */
  readonly scope: object;
}

/** The refs a task takes: one per input; optional inputs may be left out. */
export type InputRefs<I> = { [K in keyof I]: Ref<Exclude<I[K], undefined>> };

/** What adding a task to a graph gives back: one ref per port, or the single `value` ref. */
export type OutputRefs<O, S extends OutputShape> = S extends "ports"
  ? { readonly [K in keyof O]-?: Ref<Exclude<O[K], undefined>> }
  : Ref<O>;

declare const callType: unique symbol;

/** A task applied to its input refs, not yet placed in a graph. */
export interface TaskCall<O, S extends OutputShape> {
  readonly [callType]?: { out: O; shape: S };
  readonly task: TaskSignature;
  readonly inputs: Readonly<Record<string, Ref<unknown>>>;
}

/** A task factory: call it with input refs to get a `TaskCall`. */
export interface Task<I, O, S extends OutputShape> {
  (inputs: InputRefs<I>): TaskCall<O, S>;
  readonly signature: TaskSignature;
}

/** Inputs, outputs and output shape of a task factory, for type-level use. */
export type TaskInputs<F> = F extends Task<infer I, unknown, OutputShape> ? I : never;
export type TaskOutput<F> = F extends Task<unknown, infer O, OutputShape> ? O : never;
export type TaskOutputRefs<F> = F extends Task<never, infer O, infer S> ? OutputRefs<O, S> : never;

/** Make a task factory from its signature. */
export function task<I, O, S extends OutputShape>(signature: TaskSignature): Task<I, O, S> {
  const known = new Set(signature.inputs.map((p) => p.name));
  const call = (inputs: InputRefs<I>): TaskCall<O, S> => {
    const given = inputs as Record<string, Ref<unknown> | undefined>;
    const refs: Record<string, Ref<unknown>> = {};
    for (const [name, ref] of Object.entries(given)) {
      if (ref === undefined) continue;
      if (!known.has(name)) {
        throw new TypeError(`${signature.worker}.${signature.name}: no input port named '${name}'`);
      }
      refs[name] = ref;
    }
    for (const port of signature.inputs) {
      if (!port.optional && refs[port.name] === undefined) {
        throw new TypeError(`${signature.worker}.${signature.name}: input '${port.name}' is required`);
      }
    }
    return { task: signature, inputs: refs };
  };
  return Object.assign(call, { signature });
}

// ---------------------------------------------------------------------------------------------
// Workers as generated stubs declare them: each port's value type written once, keyed by name.

/** A port that may be left unconnected; `default` (JSON, decoded by `type`) is used when it is. */
export interface OptionalPort<D extends ValueType = ValueType> {
  readonly type: D;
  readonly optional: true;
  readonly default?: unknown;
}

/** An optional port, with the default it takes when left unconnected. Used by generated stubs. */
export function optional<D extends ValueType>(type: D, defaultValue?: unknown): OptionalPort<D> {
  return defaultValue === undefined ? { type, optional: true } : { type, optional: true, default: defaultValue };
}

/** Ports by name: a value type, or an optional port. */
export type PortTypeMap = { readonly [port: string]: ValueType | OptionalPort };

/** A task as stubs declare it: its inputs, and either one `output` or `outputs` by port name. */
export type TaskDecl =
  | { readonly inputs: PortTypeMap; readonly output: ValueType }
  | { readonly inputs: PortTypeMap; readonly outputs: PortTypeMap };

export type TaskDecls = { readonly [task: string]: TaskDecl };

type Simplify<T> = { [K in keyof T]: T[K] } & {};
type OptionalKeys<M> = { [K in keyof M]: M[K] extends OptionalPort ? K : never }[keyof M];
type PortValue<P> = P extends OptionalPort<infer D> ? TsOf<D> : TsOf<P>;

/** The TypeScript values of a port map: optional ports are optional properties (with their docs). */
export type PortValues<M> = Simplify<
  { -readonly [K in keyof M as K extends OptionalKeys<M> ? never : K]: PortValue<M[K]> } & {
    -readonly [K in keyof M as K extends OptionalKeys<M> ? K : never]?: PortValue<M[K]>;
  }
>;

type InputsOf<D> = D extends { readonly inputs: infer M } ? PortValues<M> : never;
type OutputOf<D> = D extends { readonly output: infer V }
  ? TsOf<V>
  : D extends { readonly outputs: infer M }
    ? PortValues<M>
    : never;
type ShapeOf<D> = D extends { readonly output: ValueType } ? "value" : "ports";

/** The task factory of a declared task. */
export type TaskOf<D> = Task<InputsOf<D>, OutputOf<D>, ShapeOf<D>>;

/** What a TypeScript worker provides for one task: inputs by name in, the result out (or a promise of it). */
export type Handler<I, O> = (inputs: I) => O | Promise<O>;

declare const declsType: unique symbol;

/** Any worker's stub, as the runtime reads it. */
export interface AnyWorkerStub {
  readonly name: string;
  readonly tasks: { readonly [task: string]: { readonly signature: TaskSignature } };
}

/** A worker as its stubs export it: its name, and a task factory per task. */
export interface WorkerStub<T extends TaskDecls> extends AnyWorkerStub {
  readonly [declsType]?: T;
  readonly tasks: { readonly [K in keyof T]: TaskOf<T[K]> };
}

/** The handlers a TypeScript implementation of a worker provides: one per task, with the task's docs. */
export type Handlers<W> =
  W extends WorkerStub<infer T> ? { [K in keyof T]: Handler<InputsOf<T[K]>, OutputOf<T[K]>> } : never;

/**
 * A worker from its name and its tasks' declarations: each task's signature (its qualified name,
 * ports in declaration order, output shape) is derived here rather than written in the stubs.
 */
export function worker<const T extends TaskDecls>(name: string, tasks: T): WorkerStub<T> {
  const factories: Record<string, Task<unknown, unknown, OutputShape>> = {};
  for (const [key, decl] of Object.entries(tasks)) {
    factories[key] = task({
      worker: name,
      name: key,
      inputs: ports(decl.inputs),
      outputs: "output" in decl ? [{ name: "value", type: decl.output }] : ports(decl.outputs),
      shape: "output" in decl ? "value" : "ports",
    });
  }
  return { name, tasks: factories as WorkerStub<T>["tasks"] };
}

function ports(map: PortTypeMap): Port[] {
  return Object.entries(map).map(([name, p]) => ("kind" in p ? { name, type: p } : { name, ...p }));
}

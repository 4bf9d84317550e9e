/**
 * The typed surface that generated stubs are made of: value references, task descriptors, task
 * factories and worker descriptors. Types here are what make a graph that passes a string where
 * `int32` is declared, or reads a port that does not exist, fail `tsc`.
 */
import type { TypeDesc } from "./types.js";

/** A port of a task: an input (one per parameter) or an output. */
export interface PortDesc {
  readonly name: string;
  readonly type: TypeDesc;
  /** An input that may be left unconnected (optional parameter or one with a default). */
  readonly optional?: boolean;
  /** The parameter default as a JSON value (decoded by `type`), used when the input is absent. */
  readonly default?: unknown;
  readonly doc?: string;
}

/**
 * `ports`: the result is a `@portmapping` model, one output port per property.
 * `value`: any other result, one output port named `value`.
 */
export type OutputShape = "ports" | "value";

/** Everything the runtime needs to know about one task; mirrored in `worker.json`. */
export interface TaskDesc {
  readonly worker: string;
  readonly name: string;
  readonly doc?: string;
  readonly inputs: readonly PortDesc[];
  readonly outputs: readonly PortDesc[];
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
  readonly task: TaskDesc;
  readonly inputs: Readonly<Record<string, Ref<unknown>>>;
}

/** A generated task factory: call it with input refs to get a `TaskCall`. */
export interface Task<I, O, S extends OutputShape> {
  (inputs: InputRefs<I>): TaskCall<O, S>;
  readonly desc: TaskDesc;
}

/** Inputs, outputs and output shape of a task factory, for type-level use. */
export type TaskInputs<F> = F extends Task<infer I, unknown, OutputShape> ? I : never;
export type TaskOutput<F> = F extends Task<unknown, infer O, OutputShape> ? O : never;
export type TaskOutputRefs<F> = F extends Task<never, infer O, infer S> ? OutputRefs<O, S> : never;

/** Make a task factory from its descriptor. Used by generated stubs. */
export function task<I, O, S extends OutputShape>(desc: TaskDesc): Task<I, O, S> {
  const known = new Set(desc.inputs.map((p) => p.name));
  const call = (inputs: InputRefs<I>): TaskCall<O, S> => {
    const given = inputs as Record<string, Ref<unknown> | undefined>;
    const refs: Record<string, Ref<unknown>> = {};
    for (const [name, ref] of Object.entries(given)) {
      if (ref === undefined) continue;
      if (!known.has(name)) {
        throw new TypeError(`${desc.worker}.${desc.name}: no input port named '${name}'`);
      }
      refs[name] = ref;
    }
    for (const port of desc.inputs) {
      if (!port.optional && refs[port.name] === undefined) {
        throw new TypeError(`${desc.worker}.${desc.name}: input '${port.name}' is required`);
      }
    }
    return { task: desc, inputs: refs };
  };
  return Object.assign(call, { desc });
}

/** What a TypeScript worker provides for one task: inputs by name in, the result out (or a promise of it). */
export type Handler<I, O> = (inputs: I) => O | Promise<O>;

declare const handlersType: unique symbol;

/** A worker: its name and tasks. `H` is the handler type a TypeScript implementation satisfies. */
export interface WorkerDef<H> {
  readonly [handlersType]?: H;
  readonly name: string;
  readonly tasks: Readonly<Record<string, TaskDesc>>;
}

/** The handler type of a worker descriptor. */
export type HandlersOf<W> = W extends WorkerDef<infer H> ? H : never;

/** Make a worker descriptor from its task factories. Used by generated stubs. */
export function worker<H>(name: string, tasks: Readonly<Record<string, { readonly desc: TaskDesc }>>): WorkerDef<H> {
  return {
    name,
    tasks: Object.fromEntries(Object.entries(tasks).map(([k, v]) => [k, v.desc])),
  };
}

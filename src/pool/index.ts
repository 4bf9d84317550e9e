/**
 * The declared worker pool: a `workers.yaml` (or an object in code) saying which kind of executor
 * runs each worker. `poolOptions` turns one into the `workers` and `executors` of `run` options.
 */
import type { ExecutorChoice } from "../graph/executors/choose.js";
import type { PoolConfig, WorkerKind } from "./config.js";
import { findPoolConfig } from "./find-config.js";

export { PoolConfigError } from "./pool-config-error.js";
export { WORKER_KINDS, type PoolConfig, type WorkerEntry, type WorkerKind } from "./config.js";
export { findPoolConfig, DEFAULT_CONFIG_NAMES } from "./find-config.js";
export { KIND_FILE, readKind } from "./kind-marker.js";
export { poolSchema } from "./schema.js";

export interface PoolOptionsContext {
  /** The graph (its workers are the only names an entry may have, and each is checked to start). */
  readonly graph?: { readonly tasks: ReadonlyMap<string, { readonly worker: string }> };
  /** Worker names in use, when there is no graph object (e.g. resuming a run directory). */
  readonly used?: Iterable<string>;
  /** Registry folders given on the command line or in code; they override the file's. */
  readonly workers?: string | readonly string[];
  /** Where relative paths of an object configuration start (default the working folder). */
  readonly cwd?: string;
  /** Entries the caller replaces with its own choices (command-line `-e`): not checked to start. */
  readonly overridden?: readonly string[];
  /** Template variables over the file's (command-line `--var worker.name=value`), by worker or `default`. */
  readonly vars?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

export interface PoolRunOptions {
  readonly workers: string[];
  readonly executors: Record<string, ExecutorChoice>;
  readonly kinds: Record<string, WorkerKind>;
  /** The file read, or `config` for an object. */
  readonly source: string;
}

/**
 * Reads and checks a pool configuration (a file path or an object) against the graph: every
 * problem is reported at once, at its line and column, before anything runs.
 */
export async function poolOptions(config: string | PoolConfig, ctx: PoolOptionsContext = {}): Promise<PoolRunOptions> {
  // Loaded when used: the YAML parser, Ajv and the executors stay out of a plain `graph` import.
  const [{ readPoolConfig }, { preparePool }] = await Promise.all([import("./load.js"), import("./prepare.js")]);
  const src = readPoolConfig(config, ctx.cwd);
  const used = ctx.used ?? (ctx.graph ? [...ctx.graph.tasks.values()].map((d) => d.worker) : undefined);
  const prepared = await preparePool(src, { workers: ctx.workers, used, overridden: ctx.overridden, vars: ctx.vars });
  return { ...prepared, source: src.name };
}

/** The default file (`workers.yaml` beside the graph module, else in the working folder), read if it exists. */
export async function defaultPoolOptions(graphModule: string | undefined, ctx: PoolOptionsContext = {}) {
  const file = findPoolConfig(graphModule, ctx.cwd);
  return file ? poolOptions(file, ctx) : undefined;
}

/**
 * The pool as the command line uses it: `--config FILE`, else `workers.yaml` found beside the
 * graph module or in the working folder; values given on the command line (`-w`, `-e`) win over
 * the file's.
 */
import type { ExecutorChoice } from "../graph/executors/choose.js";
import { defaultPoolOptions, poolOptions, type PoolOptionsContext, type PoolRunOptions } from "./index.js";

export interface PoolFlags {
  readonly config?: string;
  /** `-w` folders as given (empty: none given). */
  readonly workers: readonly string[];
  /** `-e worker=kind` pairs as given. */
  readonly executor?: readonly string[];
}

export async function cliPool(
  flags: PoolFlags,
  module: string | undefined,
  ctx: Omit<PoolOptionsContext, "workers">,
): Promise<PoolRunOptions | undefined> {
  const overridden = (flags.executor ?? []).map((p) => p.split("=")[0]!);
  const full = { ...ctx, overridden, ...(flags.workers.length ? { workers: flags.workers } : {}) };
  return flags.config ? poolOptions(flags.config, full) : defaultPoolOptions(module, full);
}

/** The run options with the pool under them: command-line executors and folders win. */
export function underPool<
  T extends { workers?: readonly string[]; executors?: Readonly<Record<string, ExecutorChoice>> },
>(cli: T, pool: PoolRunOptions | undefined): T {
  if (!pool) return cli;
  return { ...cli, workers: cli.workers ?? pool.workers, executors: { ...pool.executors, ...cli.executors } };
}

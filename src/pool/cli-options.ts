/**
 * The pool as the command line uses it: `--config FILE`, else `workers.yaml` found beside the
 * graph module or in the working folder; values given on the command line (`-w`, `-e`, `--var`)
 * win over the file's.
 */
import type { ExecutorChoice } from "../graph/executors/choose.js";
import { defaultPoolOptions, poolOptions, type PoolOptionsContext, type PoolRunOptions } from "./index.js";

export interface PoolFlags {
  readonly config?: string;
  /** `-w` folders as given (empty: none given). */
  readonly workers: readonly string[];
  /** `-e worker=kind` pairs as given. */
  readonly executor?: readonly string[];
  /** `--var worker.name=value` as given. */
  readonly var?: readonly string[];
}

export async function cliPool(
  flags: PoolFlags,
  module: string | undefined,
  ctx: Omit<PoolOptionsContext, "workers">,
): Promise<PoolRunOptions | undefined> {
  const overridden = (flags.executor ?? []).map((p) => p.split("=")[0]!);
  const vars = varFlags(flags.var ?? []);
  const full = {
    ...ctx,
    overridden,
    ...(flags.workers.length ? { workers: flags.workers } : {}),
    ...(vars ? { vars } : {}),
  };
  if (flags.config) return poolOptions(flags.config, full);
  const found = await defaultPoolOptions(module, full);
  // Without a file, the command line's variables make a pool of their own (every worker auto).
  return found ?? (vars ? poolOptions({}, full) : undefined);
}

const VAR_FLAG = /^([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)=/;

/** `--var worker.name=value` flags by worker and name (the last given wins); undefined for none. */
function varFlags(flags: readonly string[]): Record<string, Record<string, string>> | undefined {
  if (flags.length === 0) return undefined;
  const out: Record<string, Record<string, string>> = {};
  for (const flag of flags) {
    const m = VAR_FLAG.exec(flag);
    if (!m)
      throw new Error(`--var ${JSON.stringify(flag)}: expected <worker>.<name>=<value> (or default.<name>=<value>)`);
    (out[m[1]!] ??= {})[m[2]!] = flag.slice(m[0].length);
  }
  return out;
}

/** The run options with the pool under them: command-line executors and folders win. */
export function underPool<
  T extends { workers?: readonly string[]; executors?: Readonly<Record<string, ExecutorChoice>> },
>(cli: T, pool: PoolRunOptions | undefined): T {
  if (!pool) return cli;
  return { ...cli, workers: cli.workers ?? pool.workers, executors: { ...pool.executors, ...cli.executors } };
}

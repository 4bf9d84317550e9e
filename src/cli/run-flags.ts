/**
 * The flags of `run` and `resume`, read into run options. Text is checked here only for its form
 * (a number is a number); what a value may be is checked by the run itself (src/graph/run-options.ts),
 * against the graph, before anything is written. Flags not given are left out, so that `resume`
 * keeps what the run started with.
 */
import type { Command } from "commander";
import { resolve } from "node:path";
import type { ExecutorChoice } from "../graph/executors/choose.js";
import type { SlurmResources } from "../graph/executors/slurm-resources.js";
import type { LayoutKind } from "../graph/run-layout.js";
import { closest, EXECUTOR_KINDS, MAX_TIMEOUT_SECONDS, secondsProblem } from "../graph/run-options.js";

const KINDS = [...EXECUTOR_KINDS, "slurm"] as const;
type Kind = (typeof KINDS)[number];

export interface RunFlags {
  config?: string;
  /** `--report [dir]`: true for the run directory itself. */
  report?: string | boolean;
  workers: string[];
  executor: string[];
  /** `--var worker.name=value` as given. */
  var: string[];
  slurm: string[];
  concurrency?: string;
  layout?: string;
  timeout?: string;
  taskTimeout: string[];
  progress: boolean;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function withRunFlags(c: Command): Command {
  return c
    .option("--config <file>", "worker pool configuration (default: workers.yaml beside the graph, else here)")
    .option("-w, --workers <dir>", "worker folder (repeat to search several; default ./workers)", collect, [])
    .option(
      "-e, --executor <worker=kind>",
      "executor for a worker or 'default': auto, shell, stdio, node, slurm",
      collect,
      [],
    )
    .option(
      "--var <worker.name=value>",
      "template variable of a worker (or default), over the pool file's vars (repeat)",
      collect,
      [],
    )
    .option(
      "--slurm <key=value>",
      "resources of Slurm jobs: cpus, memory, time, ntasks, launch, modules (repeats), sbatch (repeats), ...",
      collect,
      [],
    )
    .option("-j, --concurrency <n>", "tasks at once (default: CPUs)")
    .option("--layout <layout>", "run directory layout: default, or tierkreis (readable by upstream Tierkreis)")
    .option("--timeout <seconds>", "time limit for every task without a more precise one")
    .option(
      "--task-timeout <worker[.task]=seconds>",
      "time limit for one task or worker, over @timeout (repeat)",
      collect,
      [],
    )
    .option("--no-progress", "no progress display")
    .option("--report [dir]", "write report.html and trace.tsv when the run ends (default: into the run directory)");
}

/** Seconds as written on the command line: a plain decimal number (`30`, `0.5`), then checked as every time limit is. */
function seconds(text: string, flag: string): number {
  const n = /^(\d+\.?\d*|\.\d+)$/.test(text) ? Number(text) : NaN;
  if (secondsProblem(n)) {
    throw new Error(
      `${flag}: ${JSON.stringify(text)} is not a time limit (expected seconds from 0.001 to ${MAX_TIMEOUT_SECONDS}, e.g. 30 or 0.5)`,
    );
  }
  return n;
}

function count(text: string, flag: string): number {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < 1)
    throw new Error(`${flag} ${JSON.stringify(text)}: expected a whole number >= 1`);
  return n;
}

/** `worker=kind` pairs (`openssl_worker=shell`, `default=auto`). */
function executorKinds(pairs: readonly string[]): Record<string, Kind> {
  const out: Record<string, Kind> = {};
  for (const p of pairs) {
    const eq = p.indexOf("=");
    const [worker, kind] = eq > 0 ? [p.slice(0, eq), p.slice(eq + 1)] : ["", p];
    if (!worker)
      throw new Error(`--executor ${JSON.stringify(p)}: expected <worker>=<kind> (kinds: ${KINDS.join(", ")})`);
    if (!(KINDS as readonly string[]).includes(kind)) {
      throw new Error(
        `--executor ${p}: ${JSON.stringify(kind)} is not an executor kind (closest: '${closest(kind, KINDS)}'; kinds: ${KINDS.join(", ")})`,
      );
    }
    out[worker] = kind as Kind;
  }
  return out;
}

function timeoutsOf(pairs: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of pairs) {
    const eq = p.lastIndexOf("=");
    if (eq <= 0) throw new Error(`--task-timeout ${JSON.stringify(p)}: expected <worker>[.<task>]=<seconds>`);
    out[p.slice(0, eq)] = seconds(p.slice(eq + 1), `--task-timeout ${p}`);
  }
  return out;
}

/**
 * `--slurm key=value` pairs: the Slurm executor's default resources (any field of a request;
 * `sbatch` and `modules` repeat), refused before anything runs where Slurm would refuse them.
 */
async function slurmDefaults(pairs: readonly string[]): Promise<SlurmResources> {
  const { RESOURCE_FIELDS } = await import("../contract/resources.js");
  const fields: Record<string, "number" | "text" | "list"> = RESOURCE_FIELDS;
  const out: Record<string, number | string | string[]> = {};
  for (const p of pairs) {
    const eq = p.indexOf("=");
    const [key, value] = eq > 0 ? [p.slice(0, eq), p.slice(eq + 1)] : [p, ""];
    const form = Object.hasOwn(fields, key) ? fields[key] : undefined;
    if (form === "number") out[key] = Number(value);
    else if (form === "text") out[key] = value;
    else if (form === "list") out[key] = [...((out[key] as string[] | undefined) ?? []), value];
    else throw new Error(`--slurm ${p}: expected ${Object.keys(fields).join("|")}=<value>`);
  }
  const { resourceProblems } = await import("../graph/executors/slurm-resources.js");
  const problems = resourceProblems(out as SlurmResources);
  if (problems.length) throw new Error(`--slurm: ${problems.join("; ")}`);
  return out as SlurmResources;
}

/** The run options the flags give (only those given). */
export async function runOptionsOf(o: RunFlags) {
  const workers = o.workers.length ? o.workers : undefined;
  const kinds = executorKinds(o.executor);
  const timeouts = timeoutsOf(o.taskTimeout);
  const concurrency = o.concurrency === undefined ? undefined : count(o.concurrency, "--concurrency");
  const timeout = o.timeout === undefined ? undefined : seconds(o.timeout, "--timeout");
  const executors: Record<string, ExecutorChoice> = {};
  let slurm: ExecutorChoice | undefined;
  for (const [worker, kind] of Object.entries(kinds)) {
    if (kind !== "slurm") executors[worker] = kind;
    else {
      // Loaded only when asked for; one executor for every worker sent to Slurm, so that one
      // batched squeue watches all their jobs. Launchers come from the first workers folder.
      const { slurmExecutor } = await import("../graph/executors/slurm.js");
      const workersDir = resolve((workers ?? ["workers"])[0]!);
      const defaults = await slurmDefaults(o.slurm);
      slurm ??= Object.assign(slurmExecutor({ workersDir, defaults }), {
        resumeAs: { kind: "slurm" as const, workersDir, defaults },
      });
      executors[worker] = slurm;
    }
  }
  if (!slurm && o.slurm.length) {
    throw new Error("--slurm sets the resources of workers run on Slurm: add -e <worker>=slurm (or default=slurm)");
  }
  return {
    ...(workers ? { workers } : {}),
    ...(Object.keys(executors).length ? { executors } : {}),
    ...(concurrency !== undefined ? { concurrency } : {}),
    // Checked with the other options by the run (src/graph/run-options.ts).
    ...(o.layout !== undefined ? { layout: o.layout as LayoutKind } : {}),
    ...(timeout !== undefined ? { timeout } : {}),
    ...(Object.keys(timeouts).length ? { timeouts } : {}),
    progress: o.progress,
  };
}

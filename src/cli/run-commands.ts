/**
 * Graph commands: `run` a graph module, `resume` a run directory, and tell the `status` and
 * `results` of one afterwards. User errors (bad inputs, a failed task) print a message and set
 * the exit status; no stack traces.
 */
import type { Command } from "commander";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { ExecutorChoice } from "../graph/executors/choose.js";
import type { SlurmResources } from "../graph/executors/slurm-resources.js";
import { showValue } from "./show-value.js";

const KINDS = ["auto", "shell", "stdio", "node", "slurm"] as const;
type Kind = (typeof KINDS)[number];
type Choices = Record<string, Kind>;

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `worker=kind` pairs (`openssl_worker=shell`, `default=auto`). */
function executorChoices(pairs: readonly string[]): Choices {
  const out: Choices = {};
  for (const p of pairs) {
    const [worker, kind] = p.split("=");
    if (!worker || !kind || !(KINDS as readonly string[]).includes(kind)) {
      throw new Error(`--executor ${p}: expected <worker>=${KINDS.join("|")}`);
    }
    out[worker] = kind as Kind;
  }
  return out;
}

function timeoutsOf(pairs: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of pairs) {
    const [key, s] = p.split("=");
    const n = Number(s);
    if (!key || !(n > 0)) throw new Error(`--task-timeout ${p}: expected <worker>[.<task>]=<seconds>`);
    out[key] = n;
  }
  return out;
}

/**
 * `--slurm key=value` pairs: the Slurm executor's default resources (`cpus`, `memory`, `time`,
 * `partition`, `account`; `sbatch` repeats), refused before anything runs where Slurm would refuse
 * them.
 */
async function slurmDefaults(pairs: readonly string[]): Promise<SlurmResources> {
  const out: { -readonly [K in keyof SlurmResources]: SlurmResources[K] } = {};
  const sbatch: string[] = [];
  for (const p of pairs) {
    const eq = p.indexOf("=");
    const [key, value] = eq > 0 ? [p.slice(0, eq), p.slice(eq + 1)] : [p, ""];
    if (key === "cpus") out.cpus = Number(value);
    else if (key === "memory" || key === "time" || key === "partition" || key === "account") out[key] = value;
    else if (key === "sbatch") sbatch.push(value);
    else throw new Error(`--slurm ${p}: expected cpus|memory|time|partition|account|sbatch=<value>`);
  }
  if (sbatch.length) out.sbatch = sbatch;
  const { resourceProblems } = await import("../graph/executors/slurm-resources.js");
  const problems = resourceProblems(out);
  if (problems.length) throw new Error(`--slurm: ${problems.join("; ")}`);
  return out;
}

interface RunFlags {
  config?: string;
  workers: string[];
  executor: string[];
  slurm: string[];
  concurrency?: string;
  timeout?: string;
  taskTimeout: string[];
  progress: boolean;
}

/**
 * Ctrl-C or SIGTERM stops the run: tasks run in process groups of their own (so that a timeout
 * can stop a launcher with its children), so the terminal's signal does not reach them; the
 * controller stops them and the run directory stays resumable.
 */
function stopOnSignals(): AbortSignal {
  const ac = new AbortController();
  const stop = (sig: NodeJS.Signals) => {
    process.stderr.write(`\n${sig}: stopping the run\n`);
    ac.abort();
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  return ac.signal;
}

async function runOptions(o: RunFlags) {
  const workers = o.workers.length ? o.workers : ["workers"];
  const kinds = executorChoices(o.executor);
  const executors: Record<string, ExecutorChoice> = {};
  let slurm: ExecutorChoice | undefined;
  for (const [worker, kind] of Object.entries(kinds)) {
    if (kind !== "slurm") executors[worker] = kind;
    else {
      // Loaded only when asked for; one executor for every worker sent to Slurm, so that one
      // batched squeue watches all their jobs. Launchers come from the first workers folder.
      const { slurmExecutor } = await import("../graph/executors/slurm.js");
      slurm ??= slurmExecutor({ workersDir: resolve(workers[0]!), defaults: await slurmDefaults(o.slurm) });
      executors[worker] = slurm;
    }
  }
  if (!slurm && o.slurm.length) {
    throw new Error("--slurm sets the resources of workers run on Slurm: add -e <worker>=slurm (or default=slurm)");
  }
  return {
    signal: stopOnSignals(),
    workers,
    executors,
    ...(o.concurrency ? { concurrency: Number(o.concurrency) } : {}),
    ...(o.timeout ? { timeout: Number(o.timeout) } : {}),
    timeouts: timeoutsOf(o.taskTimeout),
    progress: o.progress,
  };
}

function withRunFlags(c: Command): Command {
  return c
    .option("--config <file>", "worker pool configuration (default: workers.yaml beside the graph, else here)")
    .option("-w, --workers <dir>", "worker folder (repeat to search several; default ./workers)", collect, [])
    .option("-e, --executor <worker=kind>", "executor for a worker or 'default': auto, shell, stdio, node, slurm", collect, [])
    .option("--slurm <key=value>", "resources of Slurm jobs: cpus, memory, time, partition, account, sbatch (repeat)", collect, [])
    .option("-j, --concurrency <n>", "tasks at once (default: CPUs)")
    .option("--timeout <seconds>", "time limit for every task")
    .option("--task-timeout <worker.task=seconds>", "time limit for one task or worker", collect, [])
    .option("--no-progress", "no progress display");
}

async function report<T>(work: () => Promise<T>): Promise<T | undefined> {
  try {
    return await work();
  } catch (e) {
    const err = e as Error & { runDir?: string };
    process.stderr.write(`error: ${err.message}\n`);
    if (err.runDir && !err.message.includes(err.runDir)) process.stderr.write(`run directory: ${err.runDir} (typespec-workers status|resume <dir>)\n`);
    process.exitCode = 1;
    return undefined;
  }
}

export function addRunCommands(program: Command): void {
  withRunFlags(
    program
      .command("run")
      .description("run a graph: a module whose default export (or export 'graph') is a graph built with typespec-workers/graph")
      .argument("<module>", "the graph module (.js, .mjs; .ts where Node strips types, as Node 24 does)")
      .option("-i, --inputs <json>", "graph inputs as a JSON object (decoded by the declared types)", "{}")
      .option("--root <dir>", "checkpoints root (default $TKR_DIR or ~/.tierkreis/checkpoints)")
      .option("--id <workflow-id>", "run folder name under the root (default a new UUID)")
      .option("--resume", "continue the run folder if it exists"),
  ).action(async (module: string, o: RunFlags & { inputs: string; root?: string; id?: string; resume?: boolean }) => {
    await report(async () => {
      const { run } = await import("../graph/controller.js");
      const { fromJsonValue } = await import("../runtime-contract/codec.js");
      const mod = (await import(pathToFileURL(resolve(module)).href)) as Record<string, unknown>;
      const g = (mod.default ?? mod.graph) as import("../graph/builder.js").Graph<unknown, unknown, "ports" | "value"> | undefined;
      if (!g || typeof g !== "object" || !("signature" in g)) throw new Error(`${module} exports no graph (default export or 'graph')`);
      let json: Record<string, unknown>;
      try {
        json = JSON.parse(o.inputs) as Record<string, unknown>;
      } catch (e) {
        throw new Error(`--inputs is not JSON: ${(e as Error).message}`);
      }
      const inputs: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(json)) {
        const type = g.signature.inputs[k];
        try {
          inputs[k] = type ? fromJsonValue(v, type) : v;
        } catch {
          // Left as JSON: the run rejects it, with every other input problem, before anything runs.
          inputs[k] = v;
        }
      }
      const { cliPool, underPool } = await import("../pool/cli-options.js");
      const pool = await cliPool(o, module, { graph: g });
      const outcome = await run(g, inputs, {
        ...underPool(await runOptions(o), pool, o.workers.length > 0),
        ...(o.root ? { root: o.root } : {}),
        ...(o.id ? { workflowId: o.id } : {}),
        ...(o.resume ? { resume: true } : {}),
      });
      process.stderr.write(`run directory: ${outcome.runDir}\n`);
      process.stdout.write(showValue(outcome.value) + "\n");
    });
  });

  withRunFlags(program.command("resume").description("continue a run from its directory").argument("<run-dir>")).action(
    async (dir: string, o: RunFlags) => {
      await report(async () => {
        const { resume, readSignature } = await import("../graph/controller.js");
        const { cliPool, underPool } = await import("../pool/cli-options.js");
        const used = [...(await readSignature(resolve(dir))).tasks.values()].map((d) => d.worker);
        const pool = await cliPool(o, undefined, used.length ? { used } : {});
        const outcome = await resume(dir, underPool(await runOptions(o), pool, o.workers.length > 0));
        process.stdout.write(showValue(outcome.value) + "\n");
      });
    },
  );

  program
    .command("status")
    .description("tell the state of a run directory: finished, failed or unfinished, and its tasks")
    .argument("<run-dir>")
    .option("--json", "as JSON")
    .action(async (dir: string, o: { json?: boolean }) => {
      await report(async () => {
        const { runStatus, formatStatus } = await import("../graph/status.js");
        const s = await runStatus(dir);
        process.stdout.write((o.json ? JSON.stringify(s, null, 2) : formatStatus(s)) + "\n");
        if (s.state === "failed") process.exitCode = 1;
      });
    });

  program
    .command("results")
    .description("print the results of a finished run from its directory")
    .argument("<run-dir>")
    .action(async (dir: string) => {
      await report(async () => {
        const { readResults } = await import("../graph/status.js");
        process.stdout.write(showValue(await readResults(dir)) + "\n");
      });
    });
}

/**
 * Graph commands: `run` a graph module, `resume` a run directory, and tell the `status` and
 * `results` of one afterwards. User errors (bad inputs, a failed task) print a message and set
 * the exit status; no stack traces.
 */
import type { Command } from "commander";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { RunEvent } from "../graph/run-types.js";
import { runOptionsOf, withRunFlags, type RunFlags } from "./run-flags.js";
import { showValue } from "./show-value.js";

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

/** The run directory on stderr as soon as it is known (the progress display shows it itself). */
function announce(progress: boolean): { onEvent?: (e: RunEvent) => void } {
  if (progress) return {};
  return { onEvent: (e) => void (e.type === "run-started" && process.stderr.write(`run directory: ${e.runDir}\n`)) };
}

/**
 * `--report`: the run's report (report.html, trace.tsv) written when the run ends, finished or
 * failed, into the run directory or the folder given. The run directory is known from the run's
 * first event, so a run that fails still gets its report.
 */
function reportWhenDone(report: string | boolean | undefined, announced: { onEvent?: (e: RunEvent) => void }) {
  let runDir: string | undefined;
  return {
    onEvent: (e: RunEvent) => {
      if (e.type === "run-started") runDir = e.runDir;
      announced.onEvent?.(e);
    },
    async around<T>(work: () => Promise<T>): Promise<T> {
      try {
        return await work();
      } finally {
        if (report && runDir) {
          const { writeReport } = await import("../view/report.js");
          const files = await writeReport(runDir, typeof report === "string" ? report : runDir);
          process.stderr.write(`report: ${files.html}\n`);
        }
      }
    },
  };
}

async function report<T>(work: () => Promise<T>): Promise<T | undefined> {
  try {
    return await work();
  } catch (e) {
    const err = e as Error & { runDir?: string };
    process.stderr.write(`error: ${err.message}\n`);
    if (err.runDir && !err.message.includes(err.runDir))
      process.stderr.write(`run directory: ${err.runDir} (typespec-workers status|resume <dir>)\n`);
    process.exitCode = 1;
    return undefined;
  }
}

type AnyGraph = import("../graph/builder.js").Graph<unknown, unknown, "ports" | "value">;

/** The graph to run: a module's default (or `graph`) export, or a graph JSON file (Tierkreis's format). */
async function graphOf(file: string): Promise<AnyGraph> {
  if (file.endsWith(".json")) {
    const { loadGraph } = await import("../graph/builder.js");
    const { readFile } = await import("node:fs/promises");
    return loadGraph(await readFile(resolve(file), "utf8")) as AnyGraph;
  }
  const mod = (await import(pathToFileURL(resolve(file)).href)) as Record<string, unknown>;
  const g = (mod.default ?? mod.graph) as AnyGraph | undefined;
  if (!g || typeof g !== "object" || !("signature" in g))
    throw new Error(`${file} exports no graph (default export or 'graph')`);
  return g;
}

export function addRunCommands(program: Command): void {
  withRunFlags(
    program
      .command("run")
      .description(
        "run a graph: a module whose default export (or export 'graph') is a graph built with typespec-workers/graph, or a graph JSON file (Tierkreis's format)",
      )
      .argument("<graph>", "the graph module (.js, .mjs; .ts where Node strips types, as Node 24 does) or graph.json")
      .option("-i, --inputs <json>", "graph inputs as a JSON object (decoded by the declared types)", "{}")
      .option("--root <dir>", "checkpoints root (default $TKR_DIR or ~/.tierkreis/checkpoints)")
      .option("--id <workflow-id>", "run folder name under the root (default a new UUID)")
      .option("--resume", "continue the run folder if it exists"),
  ).action(async (module: string, o: RunFlags & { inputs: string; root?: string; id?: string; resume?: boolean }) => {
    await report(async () => {
      const { run } = await import("../graph/run.js");
      const g = await graphOf(module);
      const inputs = await inputsOf(o.inputs, g.signature.inputs);
      const { cliPool, underPool } = await import("../pool/cli-options.js");
      const flags = underPool(await runOptionsOf(o), await cliPool(o, module, { graph: g }));
      const reporting = reportWhenDone(o.report, announce(flags.progress));
      const outcome = await reporting.around(() =>
        run(g, inputs, {
          workers: ["workers"],
          ...flags,
          signal: stopOnSignals(),
          onEvent: reporting.onEvent,
          ...(o.root !== undefined ? { root: o.root } : {}),
          ...(o.id !== undefined ? { workflowId: o.id } : {}),
          ...(o.resume ? { resume: true } : {}),
        }),
      );
      process.stdout.write(showValue(outcome.value) + "\n");
    });
  });

  withRunFlags(
    program
      .command("resume")
      .description("continue a run from its directory, with the options it started with unless given again")
      .argument("<run-dir>"),
  ).action(async (dir: string, o: RunFlags) => {
    await report(async () => {
      // Refused rather than dropped: without --config the run's stored options stand, pool and all.
      if (!o.config && o.var.length)
        throw new Error("--var on resume needs --config: the pool is read again only when its file is given");
      const { resume } = await import("../graph/run.js");
      const { storedOptionsOf } = await import("../graph/run-options.js");
      const { readSignature } = await import("../graph/run-layout.js");
      const { cliPool, underPool } = await import("../pool/cli-options.js");
      const used = [...(await readSignature(resolve(dir))).tasks.values()].map((d) => d.worker);
      // The pool file is read again only when given; otherwise the run's stored options stand.
      const pool = o.config ? await cliPool(o, undefined, used.length ? { used } : {}) : undefined;
      const flags = underPool(await runOptionsOf(o), pool);
      // A run directory that kept no options (upstream's, or older) looks for workers where `run` does.
      const fallback = flags.workers || (await storedOptionsOf(resolve(dir)))?.workers ? {} : { workers: ["workers"] };
      const reporting = reportWhenDone(o.report, announce(flags.progress));
      const outcome = await reporting.around(() =>
        resume(dir, { ...fallback, ...flags, signal: stopOnSignals(), onEvent: reporting.onEvent }),
      );
      process.stdout.write(showValue(outcome.value) + "\n");
    });
  });

  program
    .command("status")
    .description(
      "tell the state of a run directory: finished, failed, or unfinished (running or interrupted), and its tasks",
    )
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
    .description(
      "print the results of a finished run from its directory (fails, naming why, on a failed or unfinished one)",
    )
    .argument("<run-dir>")
    .option("--out <dir>", "write each output port to <dir>/<port> (bytes raw, other values as JSON) instead")
    .action(async (dir: string, o: { out?: string }) => {
      await report(async () => {
        const { readResultPorts } = await import("../graph/status.js");
        const results = await readResultPorts(dir);
        if (o.out !== undefined) {
          const { writeResults } = await import("./write-results.js");
          for (const file of await writeResults(results, o.out)) process.stdout.write(file + "\n");
          return;
        }
        const value =
          results.shape === "value"
            ? results.ports.find((p) => p.name === "value")?.value
            : Object.fromEntries(results.ports.map((p) => [p.name, p.value]));
        process.stdout.write(showValue(value) + "\n");
      });
    });

  program
    .command("trace")
    .description("print each iteration's outputs of a named loop (without a name: the run's named loops)")
    .argument("<run-dir>")
    .argument("[loop]", "the loop's name")
    .option("--json", "as JSON")
    .action(async (dir: string, name: string | undefined, o: { json?: boolean }) => {
      await report(async () => {
        const { readLoopTrace, formatLoopTrace, loopNames } = await import("../graph/loop-trace.js");
        const { requireRunDir } = await import("../graph/run-layout.js");
        await requireRunDir(resolve(dir));
        const names = name === undefined ? await loopNames(resolve(dir)) : [name];
        const traces = await Promise.all(names.map((n) => readLoopTrace(dir, n)));
        if (o.json) process.stdout.write(showValue(name === undefined ? traces : traces[0]) + "\n");
        else if (!traces.length) process.stdout.write("no named loop in this run\n");
        else process.stdout.write(traces.map((t) => formatLoopTrace(t, (v) => showValue(v, 0))).join("\n") + "\n");
      });
    });
}

/**
 * `--inputs` JSON, each value decoded by its declared type. Numbers keep all their digits (an
 * int64 beyond 2^53 is exact), as `results` prints them.
 */
async function inputsOf(text: string, types: Readonly<Record<string, import("../contract/value-type.js").ValueType>>) {
  const { parseJson } = await import("../contract/json-text.js");
  const { compactJson } = await import("../graph/graph-data.js");
  const { decodeUntyped, decodeValue } = await import("../contract/codec.js");
  let tree: ReturnType<typeof parseJson>;
  try {
    tree = parseJson(text);
  } catch (e) {
    throw new Error(`--inputs is not JSON: ${(e as Error).message}`);
  }
  if (!(tree instanceof Map))
    throw new Error(`--inputs must be a JSON object of named inputs, got ${text.slice(0, 40)}`);
  const inputs: Record<string, unknown> = {};
  for (const [k, v] of tree) {
    const json = new TextEncoder().encode(compactJson(v));
    const type = types[k];
    try {
      inputs[k] = type
        ? type.kind === "bytes" && typeof v === "string"
          ? new TextEncoder().encode(v)
          : decodeValue(json, type)
        : decodeUntyped(json);
    } catch {
      // Left as JSON: the run rejects it, with every other input problem, before anything runs.
      inputs[k] = JSON.parse(compactJson(v));
    }
  }
  return inputs;
}

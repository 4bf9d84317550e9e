/**
 * From a validated configuration to the executors of a run: one executor per entry (its kind,
 * environment and volume), each marking the kind it ran into the task's folder. Every problem
 * that can be seen before a task runs is collected first (names, keys, volumes, interpreters,
 * images, programs) and reported together, each at its place in the file; then nothing has run.
 */
import { readdirSync, realpathSync, statSync } from "node:fs";
import { isAbsolute, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { WorkerImpl } from "../runtime/sdk.js";
import type { Executor } from "../graph/executor.js";
import type { ExecutorChoice } from "../graph/executors/choose.js";
import { checkContainer, containerExecutor } from "../graph/executors/container.js";
import {
  findWorkerFile,
  launcherCandidates,
  nodeWorkerCandidates,
  WorkerNotFoundError,
} from "../graph/executors/find-worker.js";
import { registryDirs } from "../graph/worker-folder.js";
import { inProcessExecutor } from "../graph/executors/in-process.js";
import { nodeExecutor } from "../graph/executors/node.js";
import { persistentExecutor, persistentProgram } from "../graph/executors/persistent.js";
import { pythonCommand, pythonExecutor } from "../graph/executors/python.js";
import { shellExecutor } from "../graph/executors/shell.js";
import { serviceExecutor } from "../graph/executors/service.js";
import { stdioExecutor } from "../graph/executors/stdio.js";
import type { SlurmQueue } from "../graph/executors/slurm-queue.js";
import type { ServiceImpl } from "../runtime/service.js";
import { didYouMean } from "../contract/closest.js";
import type { ConfigPath, ConfigSource } from "./config-source.js";
import { PoolConfigError } from "./pool-config-error.js";
import { KIND_KEYS, NO_PROCESS_KEYS, type PoolConfig, type WorkerEntry, type WorkerKind } from "./config.js";
import { markKind } from "./kind-marker.js";
import { entryEnv, reservedEnvName } from "./pool-env.js";
import { commandLineVarProblems, varProblems, withCommandLineVars } from "./pool-vars.js";
import { schemaProblems } from "./schema.js";

export interface PoolContext {
  /** Worker registry folders; they override the file's `workerDirs` (default `workers`). */
  readonly workers?: string | readonly string[];
  /** Worker names the graph uses; entries for others are errors, and each is checked to start. */
  readonly used?: Iterable<string>;
  /** Entries replaced by the caller's own choices (command-line `-e`): not checked to start. */
  readonly overridden?: readonly string[];
  /** Template variables from the command line (`--var worker.name=value`), by worker (or `default`). */
  readonly vars?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

export interface PreparedPool {
  /** The registry folders in effect. */
  readonly workers: string[];
  /** Executor choices by worker name and `default`, for `RunOptions.executors`. */
  readonly executors: Record<string, ExecutorChoice>;
  /** The kind each entry names, by worker name and `default`. */
  readonly kinds: Record<string, WorkerKind>;
}

type Entry = { readonly name: string; readonly path: ConfigPath; readonly entry: WorkerEntry };

export async function preparePool(src: ConfigSource, ctx: PoolContext = {}): Promise<PreparedPool> {
  const schema = schemaProblems(src);
  if (schema.length) throw new PoolConfigError(schema);
  const config = src.value as PoolConfig;
  const problems: string[] = [];
  const workers =
    ctx.workers !== undefined
      ? registryDirs(ctx.workers)
      : config.workerDirs
        ? config.workerDirs.map((d) => resolve(src.dir, d))
        : registryDirs("workers");
  // `builtins` (map's unfold/fold) runs inside the controller: no entry can choose it.
  const used = ctx.used ? [...new Set(ctx.used)].filter((w) => w !== "builtins") : undefined;

  const volumes = checkVolumes(src, config, problems);
  const entries: Entry[] = [
    ...(config.default ? [{ name: "default", path: ["default"], entry: config.default }] : []),
    ...Object.entries(config.workers ?? {}).map(([name, entry]) => ({ name, path: ["workers", name], entry })),
  ];
  for (const { name, path } of entries.slice(config.default ? 1 : 0)) {
    if (name === "default" || name === "builtins") {
      problems.push(
        `${src.at(path, true)}: '${name}' cannot be a worker entry (${name === "default" ? "write the top-level 'default' entry" : "the built-in tasks run inside the controller"})`,
      );
      continue;
    }
    if (used && !used.includes(name)) {
      problems.push(
        `${src.at(path, true)}: worker '${name}' is not a worker of the graph${didYouMean(name, used)} (the graph uses: ${used.join(", ") || "no workers"})`,
      );
    }
  }
  if (!used) {
    // No graph to check against: a name must at least be a worker the registry folders hold.
    const known = registryNames(workers);
    for (const { name, path, entry } of entries.slice(config.default ? 1 : 0)) {
      if (!known.has(name) && entry.project === undefined && entry.file === undefined) {
        problems.push(
          `${src.at(path, true)}: no worker '${name}' in the worker folders ${workers.join(", ")}${didYouMean(name, known)}`,
        );
      }
    }
  }
  for (const e of entries) checkEntryKeys(src, e, volumes, problems);
  // The command line's variables (`--var`) over the file's, then all checked alike.
  problems.push(...commandLineVarProblems(ctx.vars ?? {}, used, ctx.overridden ?? []));
  const all: Entry[] = ctx.vars ? withCommandLineVars(entries, ctx.vars, workers) : entries;
  problems.push(...varProblems(src, all, used, workers, ctx.overridden));
  if (problems.length) throw new PoolConfigError(problems);

  const executors: Record<string, ExecutorChoice> = {};
  const kinds: Record<string, WorkerKind> = {};
  const shared: Shared = {};
  for (const e of all) {
    kinds[e.name] = e.entry.kind;
    if (ctx.overridden?.includes(e.name)) continue; // Replaced: not built, not checked.
    try {
      executors[e.name] = await executorOf(src, e, workers, volumes, shared);
    } catch (error) {
      problems.push(`${src.at([...e.path, "kind"])}: ${e.name}: ${(error as Error).message}`);
    }
  }
  // Each worker the graph uses must be able to start with its entry: found, with its interpreter.
  for (const worker of used ?? []) {
    const over = ctx.overridden ?? [];
    if (over.includes(worker) || (over.includes("default") && !all.some((x) => x.name === worker))) continue;
    const e = all.find((x) => x.name === worker) ?? all.find((x) => x.name === "default");
    const problem = startProblem(worker, e?.entry ?? { kind: "auto" }, workers, src.dir);
    if (problem) problems.push(`${e ? src.at([...e.path, "kind"]) : src.name}: ${e ? `${e.name}: ` : ""}${problem}`);
  }
  if (problems.length) throw new PoolConfigError(problems);
  return { workers, executors, kinds };
}

/** Worker names the registry folders hold: `<dir>/<worker>/` folders and `<dir>/<worker>` files. */
function registryNames(dirs: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (const dir of dirs) {
    try {
      for (const d of readdirSync(dir)) names.add(d.replace(/\.(m?js|sh)$/, ""));
    } catch {
      // A folder that does not exist holds nothing.
    }
  }
  return names;
}

function checkVolumes(src: ConfigSource, config: PoolConfig, problems: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const roots = (config.volumeRoots ?? []).map((r) => resolve(src.dir, r));
  for (const [name, given] of Object.entries(config.volumes ?? {})) {
    const path = resolve(src.dir, given);
    const at = src.at(["volumes", name]);
    let real: string;
    try {
      if (!statSync(path).isDirectory()) throw new Error();
      real = realpathSync(path);
    } catch {
      problems.push(`${at}: volume '${name}': ${path} is not an existing folder`);
      continue;
    }
    const inside = (root: string) => {
      let r: string;
      try {
        r = realpathSync(root);
      } catch {
        r = root;
      }
      const rel = relative(r, real);
      return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
    };
    if (roots.length && !roots.some(inside)) {
      problems.push(`${at}: volume '${name}': ${real} is outside the allowed roots (volumeRoots: ${roots.join(", ")})`);
      continue;
    }
    out[name] = real;
  }
  return out;
}

function checkEntryKeys(
  src: ConfigSource,
  { name, path, entry }: Entry,
  volumes: Record<string, string>,
  problems: string[],
) {
  for (const key of Object.keys(entry)) {
    const kinds = KIND_KEYS[key];
    if (kinds && !kinds.includes(entry.kind)) {
      problems.push(
        `${src.at([...path, key], true)}: ${name}: '${key}' applies to kind ${kinds.join(" or ")}, not ${entry.kind}`,
      );
    }
    if (
      (entry.kind === "in-process" || entry.kind === "service") &&
      (NO_PROCESS_KEYS as readonly string[]).includes(key)
    ) {
      problems.push(
        `${src.at([...path, key], true)}: ${name}: '${key}' cannot reach an in-process worker (it runs inside the controller)`,
      );
    }
  }
  if (name === "default") {
    for (const key of ["project", "command", ...(entry.kind === "node" || entry.kind === "service" ? ["file"] : [])]) {
      if (key in entry) {
        problems.push(
          `${src.at([...path, key], true)}: default: '${key}' names one worker's program; put it in that worker's entry`,
        );
      }
    }
  }
  for (const key of Object.keys(entry.env ?? {})) {
    const why = reservedEnvName(key);
    if (why) problems.push(`${src.at([...path, "env", key], true)}: ${name}: ${why}`);
  }
  if (entry.volume !== undefined && !Object.hasOwn(volumes, entry.volume)) {
    const declared = Object.keys((src.value as PoolConfig).volumes ?? {});
    problems.push(
      `${src.at([...path, "volume"])}: ${name}: volume '${entry.volume}' is not ${declared.includes(entry.volume) ? "usable (see its own error)" : `declared under 'volumes'${didYouMean(entry.volume, declared)}`}`,
    );
  }
}

/** Why `worker` cannot start with `entry`, or undefined; the same search the executor makes. */
function startProblem(worker: string, entry: WorkerEntry, dirs: string[], base: string): string | undefined {
  const find = (cands: (dir: string) => string[], what: string) => findWorkerFile(worker, dirs, cands, what);
  const pyCands = (dir: string) => [resolve(dir, worker, "main.py")];
  try {
    switch (entry.kind) {
      case "shell":
      case "stdio":
      case "container":
        find(launcherCandidates(worker), "launcher");
        return undefined;
      case "node":
        if (!entry.file) find(nodeWorkerCandidates(worker), "TypeScript worker (.js or .ts)");
        return undefined;
      case "python":
        pythonCommand(
          entry.project ? resolve(base, entry.project) : resolve(find(pyCands, "Python worker (main.py)"), ".."),
          entry,
        );
        return undefined;
      case "auto": {
        const searched: string[] = [];
        for (const [cands, what] of [
          [launcherCandidates(worker), "launcher"],
          [nodeWorkerCandidates(worker), "TypeScript worker"],
          [pyCands, "Python worker"],
        ] as const) {
          try {
            const file = find(cands, what);
            if (file.endsWith("main.py")) pythonCommand(resolve(file, ".."), {});
            return undefined;
          } catch (e) {
            if (!(e instanceof WorkerNotFoundError)) throw e;
            searched.push(...e.searched);
          }
        }
        throw new WorkerNotFoundError(worker, dirs, searched, "launcher, TypeScript worker or main.py");
      }
      case "persistent":
        if (!entry.command) persistentProgram(worker, dirs);
        return undefined;
      default:
        return undefined; // slurm: checked when submitting; in-process, service: loaded above.
    }
  } catch (e) {
    return (e as Error).message;
  }
}

/** What the executors of one pool share: the Slurm entries, one line to the scheduler (one squeue poller). */
interface Shared {
  slurmQueue?: SlurmQueue;
}

async function executorOf(
  src: ConfigSource,
  { name, entry }: Entry,
  workers: string[],
  volumes: Record<string, string>,
  shared: Shared,
): Promise<ExecutorChoice> {
  const env = entryEnv(entry, volumes);
  const only = (files: Record<string, string> | undefined) => (name === "default" ? undefined : files);
  let ex: Executor;
  switch (entry.kind) {
    case "auto":
      ex = autoExecutor(workers, env);
      break;
    case "shell":
      ex = shellExecutor({ workers, env });
      break;
    case "stdio":
      ex = stdioExecutor({ workers, env });
      break;
    case "node":
      ex = nodeExecutor({
        workers,
        env,
        files: entry.file ? only({ [name]: resolve(src.dir, entry.file) }) : undefined,
      });
      break;
    case "python":
      ex = pythonExecutor({
        workers,
        env,
        python: entry.python,
        uv: entry.uv,
        projects: entry.project ? only({ [name]: resolve(src.dir, entry.project) }) : undefined,
      });
      break;
    case "container": {
      const engine = entry.engine ?? { command: "podman" as const };
      const image = engine.command === "bwrap" ? resolve(src.dir, entry.image!) : entry.image!;
      await checkContainer(engine, image);
      ex = containerExecutor({
        workers,
        image,
        engine,
        env,
        shell: entry.shell,
        volumes: entry.volume ? [volumes[entry.volume]!] : [],
      });
      break;
    }
    case "slurm": {
      // One Slurm executor per entry (its environment and resources), all on one queue.
      const { slurmExecutor, slurmQueue } = await import("../graph/executors/slurm.js");
      const { resourceProblems } = await import("../graph/executors/slurm-resources.js");
      const problems = resourceProblems(entry.resources ?? {});
      if (problems.length) throw new Error(`resources: ${problems.join("; ")}`);
      ex = slurmExecutor({
        workersDir: workers[0]!,
        env,
        queue: (shared.slurmQueue ??= slurmQueue()),
        ...(name === "default" ? { defaults: entry.resources } : { workers: { [name]: entry.resources ?? {} } }),
      });
      break;
    }
    case "in-process":
      ex = inProcessExecutor(await loadImpl(resolve(src.dir, entry.file!), entry.export ?? "default"));
      break;
    case "persistent":
      ex = persistentExecutor({
        workers,
        env,
        ...(entry.instances !== undefined ? { instances: entry.instances } : {}),
        ...(entry.start !== undefined ? { start: entry.start } : {}),
        ...(entry.readyTimeout !== undefined ? { readyTimeoutMs: entry.readyTimeout * 1000 } : {}),
        ...(entry.command && name !== "default" ? { commands: { [name]: commandOf(src.dir, entry.command) } } : {}),
        ...(entry.wrap !== undefined ? { wrap: entry.wrap } : {}),
        ...(entry.python !== undefined ? { python: entry.python } : {}),
      });
      break;
    case "service": {
      const impl = (await loadImpl(resolve(src.dir, entry.file!), entry.export ?? "default")) as ServiceImpl<unknown>;
      if (typeof impl.close !== "function") {
        throw new Error(
          `${entry.file} exports a worker, not a service (defineService(...)): use kind in-process for it`,
        );
      }
      ex = serviceExecutor(impl, entry.concurrency !== undefined ? { concurrency: entry.concurrency } : {});
      break;
    }
  }
  return markKind(entry.kind, ex);
}

/** A persistent entry's command: a program path with a slash is relative to the file, a bare name is looked up on PATH. */
function commandOf(base: string, command: readonly string[]): string[] {
  const [program, ...args] = command;
  return [program!.includes("/") ? resolve(base, program!) : program!, ...args];
}

/** Like `chooseExecutors`' auto, with the entry's environment and Python workers too. */
function autoExecutor(dirs: string[], env: Record<string, string>): Executor {
  const shell = markKind("shell", shellExecutor({ workers: dirs, env }));
  const node = markKind("node", nodeExecutor({ workers: dirs, env }));
  const python = markKind("python", pythonExecutor({ workers: dirs, env }));
  const chosen = new Map<string, Executor>();
  const pick = (worker: string): Executor => {
    let ex = chosen.get(worker);
    if (ex) return ex;
    for (const [cands, e] of [
      [launcherCandidates(worker), shell],
      [nodeWorkerCandidates(worker), node],
      [(dir: string) => [resolve(dir, worker, "main.py")], python],
    ] as const) {
      try {
        findWorkerFile(worker, dirs, cands, "");
        ex = e;
        break;
      } catch {
        // Next kind.
      }
    }
    ex ??= shell; // Its own error names every place searched.
    chosen.set(worker, ex);
    return ex;
  };
  return { run: (launch) => pick(launch.worker).run(launch) };
}

async function loadImpl(file: string, name: string): Promise<WorkerImpl<unknown>> {
  const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const impl = mod[name] as WorkerImpl<unknown> | undefined;
  if (!impl || typeof impl.runTask !== "function") {
    throw new Error(`${file} has no worker (defineWorker(...)) as its export '${name}'`);
  }
  return impl;
}

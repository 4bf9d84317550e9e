/**
 * The persistent-worker executor: a worker's program starts once per instance and serves many
 * tasks over the persistent protocol (docs/persistent-workers.md), like Bazel's persistent
 * workers. Tasks still read and write their checkpoint files; this executor only replaces "start a
 * process per task" with "send the task to an idle instance".
 */
import { readFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import type { Executor, TaskLaunch, TaskResult } from "../executor.js";
import { exists } from "../file-ops.js";
import { findWorkerFile, WorkerNotFoundError } from "./find-worker.js";
import { registryDirs } from "../worker-folder.js";
import { Instance, type InstanceCommand } from "./persistent-instance.js";
import { timedOutReason, watchTask } from "./time-limit.js";

export interface PersistentExecutorOptions {
  /** Worker folders searched for `<worker>/main.js`, `main.ts` (and the other SDK file names) or `<worker>/main.py`. */
  readonly workers?: string | readonly string[];
  /** Worker name → program and arguments (`--persistent` is added), taking precedence over the search. */
  readonly commands?: Readonly<Record<string, readonly string[]>>;
  /** Instances per worker at most (default: the CPU count). */
  readonly instances?: number;
  /** `lazy` (default): start an instance when a task finds none idle; `eager`: all at the worker's first task. */
  readonly start?: "lazy" | "eager";
  /** How long a starting instance has to say hello (default 30 s). */
  readonly readyTimeoutMs?: number;
  /** Added to every instance's environment (`TKR_DIR` is set by the executor and wins). */
  readonly env?: Readonly<Record<string, string>>;
  /** A prefix for the command, e.g. `["srun", "--quiet", "--ntasks=1"]` to run instances in a Slurm allocation. */
  readonly wrap?: readonly string[];
  /** The Python interpreter for `main.py` workers (default `python3`). */
  readonly python?: string;
}

/** The file names searched for a worker's program, with how each is started. */
function programCandidates(worker: string, dir: string): { file: string; via: "node" | "python" }[] {
  return [
    // Node runs a .ts worker directly (type stripping), so its source is a program too.
    ...["main.js", "main.mjs", "main.ts", "worker.js", "worker.mjs", "worker.ts"].map((f) => ({
      file: join(dir, worker, f),
      via: "node" as const,
    })),
    { file: join(dir, `${worker}.js`), via: "node" as const },
    { file: join(dir, `${worker}.mjs`), via: "node" as const },
    { file: join(dir, worker, "main.py"), via: "python" as const },
  ];
}

/** The program a persistent worker starts, searched in the worker folders; throws WorkerNotFoundError. */
export function persistentProgram(worker: string, dirs: readonly string[]): { file: string; via: "node" | "python" } {
  const via = new Map<string, "node" | "python">();
  const file = findWorkerFile(
    worker,
    dirs,
    (dir) =>
      programCandidates(worker, dir).map((c) => {
        via.set(c.file, c.via);
        return c.file;
      }),
    "persistent worker program (main.js, main.ts, main.py, ...)",
  );
  return { file, via: via.get(file)! };
}

/** The instances of one worker and the tasks waiting for one. */
class Pool {
  readonly instances = new Set<Instance>();
  private readonly idle: Instance[] = [];
  private readonly waiting: ((i: Instance | Error) => void)[] = [];
  private starting = 0;

  constructor(
    private readonly worker: string,
    private readonly command: InstanceCommand,
    private readonly max: number,
    private readonly readyMs: number,
    eager: boolean,
  ) {
    if (eager) for (let i = 0; i < max; i++) this.startOne();
  }

  /** An idle, ready instance: one that is idle, a new one, or the next to become idle. */
  acquire(): Promise<Instance> {
    const idle = this.idle.pop();
    if (idle) return Promise.resolve(idle);
    const p = new Promise<Instance>((resolve, reject) =>
      this.waiting.push((i) => (i instanceof Error ? reject(i) : resolve(i))),
    );
    if (this.instances.size + this.starting < this.max) this.startOne();
    return p;
  }

  private startOne(): void {
    this.starting++;
    const instance = new Instance(this.worker, this.command, this.readyMs);
    instance.ready.then(
      () => {
        this.starting--;
        this.instances.add(instance);
        this.release(instance);
      },
      (e: Error) => {
        this.starting--;
        // The task that asked for it fails with why; other waiters try their own start.
        const next = this.waiting.shift();
        next?.(new Error(`persistent worker '${this.worker}' (pid ${instance.pid ?? "none"}) ${e.message}`));
      },
    );
  }

  /** An instance is free again (or gone: then a waiting task gets a fresh one). */
  release(instance: Instance): void {
    if (!instance.alive) {
      this.instances.delete(instance);
      if (this.waiting.length > 0 && this.instances.size + this.starting < this.max) this.startOne();
      return;
    }
    const next = this.waiting.shift();
    if (next) next(instance);
    else this.idle.push(instance);
  }

  discard(instance: Instance): void {
    instance.kill();
    this.instances.delete(instance);
    const i = this.idle.indexOf(instance);
    if (i >= 0) this.idle.splice(i, 1);
    if (this.waiting.length > 0 && this.instances.size + this.starting < this.max) this.startOne();
  }

  async close(): Promise<void> {
    for (const w of this.waiting.splice(0)) w(new Error("the executor was closed"));
    await Promise.all([...this.instances].map((i) => i.end()));
    this.instances.clear();
    this.idle.length = 0;
  }

  killNow(): void {
    for (const i of this.instances) i.kill();
  }
}

/** Closing it ends every instance (the controller closes it when a run ends). */
export interface PersistentExecutor extends Executor {
  close(): Promise<void>;
}

export function persistentExecutor(options: PersistentExecutorOptions = {}): PersistentExecutor {
  const dirs = registryDirs(options.workers);
  const pools = new Map<string, Pool>();
  const max = Math.max(1, options.instances ?? availableParallelism());
  const readyMs = options.readyTimeoutMs ?? 30_000;
  // Instances must not outlive the controller, even when it exits without closing the executor.
  const onExit = () => {
    for (const p of pools.values()) p.killNow();
  };
  process.on("exit", onExit);

  const commandFor = (worker: string): readonly string[] => {
    const given = options.commands?.[worker];
    if (given) return given;
    const { file, via } = persistentProgram(worker, dirs);
    return via === "python" ? [options.python ?? "python3", file] : [process.execPath, file];
  };

  const poolFor = (launch: TaskLaunch): Pool => {
    let pool = pools.get(launch.worker);
    if (!pool) {
      const command: InstanceCommand = {
        argv: [...(options.wrap ?? []), ...commandFor(launch.worker)],
        env: { ...options.env, TKR_DIR: launch.root },
        cwd: launch.root,
      };
      pool = new Pool(launch.worker, command, max, readyMs, options.start === "eager");
      pools.set(launch.worker, pool);
    }
    return pool;
  };

  return {
    async run(launch: TaskLaunch): Promise<TaskResult> {
      if (launch.signal.aborted) return { ok: false, reason: "not started: the run was stopped" };
      let pool: Pool;
      let instance: Instance;
      try {
        pool = poolFor(launch);
        instance = await pool.acquire();
      } catch (e) {
        const reason = e instanceof WorkerNotFoundError ? e.message : (e as Error).message;
        return { ok: false, reason };
      }
      const errors = join(launch.nodeDir, "errors");
      // A stopped task's instance is killed (and replaced for later tasks): it may be hung.
      const watch = watchTask(launch, () => pool.discard(instance));
      const reply = await instance.send(launch.definitionPath, launch.root, errors);
      watch.done();
      pool.release(instance);
      const timedOut = watch.timedOut();
      const stopped = watch.stopped();

      const stderrTail = () => readFile(errors, "utf8").then(lastLines, () => instance.tail() || undefined);
      if (timedOut)
        return {
          ok: false,
          reason: timedOutReason(launch.timeoutMs!),
          stderrTail: await stderrTail(),
        };
      if (stopped) return { ok: false, reason: "stopped: the run was stopped", stderrTail: await stderrTail() };
      if (reply.kind === "exited") {
        return {
          ok: false,
          reason: `persistent worker instance (pid ${instance.pid}) ${reply.reason}`,
          stderrTail: instance.tail() || undefined,
        };
      }
      const written = await readFile(join(launch.nodeDir, "_error"), "utf8").then(
        (t) => t.trim(),
        () => undefined,
      );
      if (written !== undefined)
        return { ok: false, reason: written || "the task wrote _error", stderrTail: await stderrTail() };
      if (reply.kind === "failed") return { ok: false, reason: reply.error, stderrTail: await stderrTail() };
      if (!(await exists(join(launch.nodeDir, "_done")))) {
        return {
          ok: false,
          reason: "the worker replied done without marking the task done",
          stderrTail: await stderrTail(),
        };
      }
      return { ok: true };
    },
    async close() {
      process.removeListener("exit", onExit);
      await Promise.all([...pools.values()].map((p) => p.close()));
      pools.clear();
    },
  };
}

function lastLines(text: string): string | undefined {
  const t = text.trim();
  return t ? t.split("\n").slice(-20).join("\n") : undefined;
}

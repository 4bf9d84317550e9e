/**
 * Services: workers whose tasks talk to a long-lived server through a client (the Grain workflow
 * system's "specialized workers"). `start` runs the server and returns connection details,
 * `connect` makes the client from them, `stop` cleans up; task handlers get the client as their
 * second argument. Without `start` the service is backendless: the client talks to something that
 * exists already. See docs/persistent-workers.md.
 *
 * The service starts on the first task and stays up for the rest. A server process started
 * through `ctx.spawn` that exits fails the tasks running against it with its exit status and
 * stderr, and the next task starts the service again.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { connect as netConnect } from "node:net";
import { defineWorker, type WorkerImpl } from "./sdk.js";
import type { AnyWorkerStub, Handlers } from "./task.js";

/** The generated handler type with the client added to every handler. */
export type ServiceHandlers<H, C> = {
  [K in keyof H]: H[K] extends (inputs: infer I) => infer R ? (inputs: I, client: C) => R : never;
};

export interface ServiceSpec<H, D, C> {
  /** Run the server; return what `connect` needs (a URL, a port). Omit for a backendless service. */
  start?(ctx: ServiceContext): Promise<D> | D;
  /** Make the client the tasks use. */
  connect(details: D): Promise<C> | C;
  /** Clean up (close the client, tell the server to shut down). Server processes are killed after. */
  stop?(details: D, client: C): Promise<void> | void;
  readonly handlers: ServiceHandlers<H, C>;
  /** At most this many tasks at once against the service (default: no limit). */
  readonly concurrency?: number;
  /** Bound on `start` + `connect`, in milliseconds (default 30 s). */
  readonly readyTimeoutMs?: number;
}

export interface ServiceContext {
  /**
   * Start a server process that belongs to the service. Resolves when it is ready: when `ready.port`
   * accepts a TCP connection, or when a line of its output matches `ready.line` (the match is
   * returned), or at once without `ready`.
   */
  spawn(command: string, args: readonly string[], options?: SpawnServerOptions): Promise<ServerProcess>;
  /** Aborted when the service is stopped (or its start is given up). */
  readonly signal: AbortSignal;
}

export interface SpawnServerOptions {
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  readonly ready?: { readonly port: number; readonly host?: string } | { readonly line: RegExp };
}

export interface ServerProcess {
  readonly pid: number;
  /** The match of `ready.line`, when given. */
  readonly match?: RegExpMatchArray;
}

export interface ServiceImpl<H> extends WorkerImpl<H> {
  /** Stop the service: `stop`, then kill every server process it started. */
  close(): Promise<void>;
}

const DEFAULT_READY_MS = 30_000;
const KILL_GRACE_MS = 2_000;
const TAIL_BYTES = 2048;

class ServiceError extends Error {}

/** One start of the service: its details, client and server processes. */
class Session<D, C> {
  readonly procs = new Set<ChildProcess>();
  readonly abort = new AbortController();
  details: D | undefined;
  client: C | undefined;
  /** Set when a server process ended on its own: why, with its output's tail. */
  dead: string | undefined;
  private onDead: (() => void)[] = [];
  private stopping = false;

  constructor(private readonly name: string) {}

  /** Resolves when a server of this session has died (never, if none does). */
  died(): Promise<void> {
    return this.dead ? Promise.resolve() : new Promise((r) => this.onDead.push(r));
  }

  spawn(command: string, args: readonly string[], options: SpawnServerOptions = {}): Promise<ServerProcess> {
    // A start that goes on after it was given up must not leave a server nobody will stop.
    if (this.abort.signal.aborted) return Promise.reject(new ServiceError(`${this.name}: the service was stopped`));
    const child = spawn(command, [...args], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
      // Its own process group, so that stopping the service stops what the server started too.
      detached: true,
    });
    this.procs.add(child);
    let output = "";
    const label = `${this.name}: server '${[command, ...args].join(" ")}'`;
    return new Promise<ServerProcess>((resolve, reject) => {
      let ready = false;
      const ready_ = (p: ServerProcess) => {
        if (ready) return;
        ready = true;
        resolve(p);
      };
      const ready_spec = options.ready;
      const onOutput = (chunk: Buffer) => {
        output = (output + chunk.toString("utf8")).slice(-TAIL_BYTES * 4);
        if (ready_spec && "line" in ready_spec && !ready) {
          for (const line of output.split("\n")) {
            const m = line.match(ready_spec.line);
            if (m) return ready_({ pid: child.pid!, match: m });
          }
        }
      };
      child.stdout!.on("data", onOutput);
      child.stderr!.on("data", onOutput);
      child.on("error", (e) => {
        this.procs.delete(child);
        reject(new ServiceError(`${label} could not start: ${e.message}`));
      });
      child.on("exit", (code, signal) => {
        this.procs.delete(child);
        const how = signal ? `was killed by signal ${signal}` : `exited with status ${code}`;
        const tail = output.slice(-TAIL_BYTES).trim();
        const reason = `${label} (pid ${child.pid}) ${how}${tail ? `; its output ended with:\n${tail}` : ""}`;
        if (!ready) {
          ready = true;
          reject(new ServiceError(`${reason} before it was ready`));
        }
        if (!this.stopping) {
          this.dead ??= reason;
          for (const r of this.onDead.splice(0)) r();
        }
      });
      this.abort.signal.addEventListener("abort", () => {
        if (!ready) {
          ready = true;
          const waited =
            ready_spec && "port" in ready_spec
              ? `port ${ready_spec.port}`
              : ready_spec
                ? `a line matching ${ready_spec.line}`
                : "start";
          const tail = output.slice(-TAIL_BYTES).trim();
          reject(
            new ServiceError(
              `${label} did not become ready (waited for ${waited})${tail ? `; its output ended with:\n${tail}` : ""}`,
            ),
          );
        }
      });
      if (!ready_spec) child.once("spawn", () => ready_({ pid: child.pid! }));
      else if ("port" in ready_spec) {
        void waitForPort(ready_spec.host ?? "127.0.0.1", ready_spec.port, this.abort.signal, () => ready).then((ok) => {
          if (ok) ready_({ pid: child.pid! });
        });
      }
    });
  }

  async stop(stop: (() => Promise<void> | void) | undefined): Promise<void> {
    this.stopping = true;
    this.abort.abort();
    try {
      await stop?.();
    } catch {
      // The processes are killed below whatever `stop` managed.
    }
    await Promise.all([...this.procs].map((p) => killTree(p)));
  }

  /** Kill synchronously (process exit): no grace. */
  killNow(): void {
    for (const p of this.procs) signalGroup(p, "SIGKILL");
  }
}

/** Poll a TCP port until it accepts a connection; readiness has no event to wait on. */
async function waitForPort(host: string, port: number, signal: AbortSignal, done: () => boolean): Promise<boolean> {
  let delay = 10;
  while (!signal.aborted && !done()) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = netConnect({ host, port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on("error", () => resolve(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 200);
  }
  return false;
}

function signalGroup(p: ChildProcess, signal: NodeJS.Signals): void {
  if (p.pid === undefined) return;
  try {
    process.kill(-p.pid, signal);
  } catch {
    // Gone already.
  }
}

function killTree(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) {
    signalGroup(p, "SIGKILL"); // what it left behind in its group
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => signalGroup(p, "SIGKILL"), KILL_GRACE_MS);
    p.once("exit", () => {
      clearTimeout(timer);
      signalGroup(p, "SIGKILL");
      resolve();
    });
    signalGroup(p, "SIGTERM");
  });
}

/** A small counting semaphore (the runtime side has no dependency on the graph's limiter). */
function semaphore(limit: number) {
  let active = 0;
  const waiting: (() => void)[] = [];
  return {
    async acquire(): Promise<void> {
      if (active < limit) {
        active++;
        return;
      }
      await new Promise<void>((r) => waiting.push(r));
    },
    release(): void {
      const next = waiting.shift();
      if (next) next();
      else active--;
    },
  };
}

export function defineService<W extends AnyWorkerStub, D = undefined, C = unknown>(
  def: W,
  spec: ServiceSpec<Handlers<W>, D, C>,
): ServiceImpl<Handlers<W>> {
  const name = def.name;
  const readyMs = spec.readyTimeoutMs ?? DEFAULT_READY_MS;
  const limit = semaphore(spec.concurrency ?? Number.POSITIVE_INFINITY);
  let current: { session: Session<D, C>; ready: Promise<void> } | undefined;
  const onExit = () => current?.session.killNow();

  const begin = (): { session: Session<D, C>; ready: Promise<void> } => {
    const session = new Session<D, C>(name);
    const ready = (async () => {
      const ctx: ServiceContext = { spawn: (c, a, o) => session.spawn(c, a, o), signal: session.abort.signal };
      const work = (async () => {
        session.details = spec.start ? await spec.start(ctx) : (undefined as D);
        session.client = await spec.connect(session.details as D);
      })();
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<"late">((r) => (timer = setTimeout(() => r("late"), readyMs)));
      let failure: string | undefined;
      try {
        if ((await Promise.race([work, late])) === "late") {
          // Abort what start waits for, so that a server that did not come up says what it waited for.
          session.abort.abort();
          const detail = await Promise.race([
            work.then(
              () => undefined,
              (e: unknown) => (e as Error)?.message,
            ),
            new Promise<undefined>((r) => setTimeout(() => r(undefined), 1000)),
          ]);
          failure = `${name}: the service was not ready within ${readyMs / 1000} s${detail ? `: ${detail}` : ""}`;
        }
      } catch (e) {
        failure =
          e instanceof ServiceError ? e.message : `${name}: the service did not start: ${(e as Error)?.message ?? e}`;
      } finally {
        clearTimeout(timer);
      }
      if (failure !== undefined) {
        // Whatever started is stopped; the next task starts the service again.
        await session.stop(undefined);
        throw new ServiceError(failure);
      }
    })();
    process.removeListener("exit", onExit);
    process.on("exit", onExit);
    return { session, ready };
  };

  const acquire = async (): Promise<Session<D, C>> => {
    if (current?.session.dead) {
      const old = current.session;
      current = undefined;
      await old.stop(undefined);
    }
    current ??= begin();
    const mine = current;
    try {
      await mine.ready;
    } catch (e) {
      if (current === mine) current = undefined; // the next task tries again
      throw e;
    }
    return mine.session;
  };

  const wrapped: Record<string, (inputs: unknown) => Promise<unknown>> = {};
  for (const key of Object.keys(def.tasks)) {
    const handler = (spec.handlers as Record<string, unknown>)[key];
    if (typeof handler !== "function") throw new TypeError(`${name}: no handler for task '${key}'`);
    wrapped[key] = async (inputs) => {
      const session = await acquire();
      await limit.acquire();
      try {
        return await (handler as (i: unknown, c: C) => unknown)(inputs, session.client as C);
      } catch (e) {
        // A server that died under the task is the reason, not the client's connection error.
        await Promise.race([session.died(), new Promise((r) => setTimeout(r, 250))]);
        if (session.dead) throw new ServiceError(`${session.dead} (the task got: ${(e as Error)?.message ?? e})`);
        throw e;
      } finally {
        limit.release();
      }
    };
  }

  const close = async () => {
    const c = current;
    current = undefined;
    process.removeListener("exit", onExit);
    if (!c) return;
    await c.ready.catch(() => undefined);
    const { session } = c;
    await session.stop(
      spec.stop && session.client !== undefined
        ? () => spec.stop!(session.details as D, session.client as C)
        : undefined,
    );
  };
  const impl = defineWorker(def, wrapped as unknown as Handlers<W>);
  const perTaskMain = impl.main;
  return Object.assign(impl, {
    close,
    // Run as a per-task program, the service lives for that one task.
    async main(argv?: readonly string[]) {
      try {
        await perTaskMain(argv);
      } finally {
        await close();
      }
    },
  });
}

/**
 * One running instance of a persistent worker: the controller end of the persistent protocol
 * (docs/persistent-workers.md) for a single process. It starts the program, waits for its hello,
 * sends one task at a time, and turns the process ending, a timeout or an abort into the task's
 * failure with the reason and the tail of the instance's stderr.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { appendFile } from "node:fs/promises";
import {
  LineSplitter,
  messageLine,
  parseMessage,
  PERSISTENT_FLAG,
  PROTOCOL,
  PROTOCOL_VERSION,
} from "../../runtime/persistent-protocol.js";

const TAIL_BYTES = 4096;
export const KILL_GRACE_MS = 2000;

export interface InstanceCommand {
  /** The program and its arguments; `--persistent` is added. */
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
}

/** How a task sent to an instance ended, before the markers on disk are checked. */
export type InstanceReply =
  | { readonly kind: "done" }
  | { readonly kind: "failed"; readonly error: string }
  | { readonly kind: "exited"; readonly reason: string };

interface Pending {
  readonly id: number;
  readonly errors: string;
  readonly resolve: (r: InstanceReply) => void;
}

export class Instance {
  private readonly child: ChildProcess;
  private readonly lines = new LineSplitter();
  private stderrTail = "";
  private pending: Pending | undefined;
  private nextId = 1;
  private exitReason: string | undefined;
  private readonly exited: Promise<void>;
  private writes: Promise<unknown> = Promise.resolve();
  /** Resolves on the worker's hello; rejects with the reason it never came. */
  readonly ready: Promise<void>;

  constructor(
    readonly worker: string,
    command: InstanceCommand,
    readyTimeoutMs: number,
  ) {
    const [file, ...args] = command.argv;
    this.child = spawn(file!, [...args, PERSISTENT_FLAG], {
      cwd: command.cwd,
      env: { ...process.env, ...command.env },
      stdio: ["pipe", "pipe", "pipe"],
      // A process group of its own: a timeout or the end of the run stops what it started too.
      detached: true,
    });
    let hello: { resolve: () => void; reject: (e: Error) => void } | undefined;
    this.ready = new Promise<void>((resolve, reject) => (hello = { resolve, reject }));
    const timer = setTimeout(() => {
      hello?.reject(new Error(`did not say hello within ${readyTimeoutMs / 1000} s${this.tailText()}`));
      hello = undefined;
      this.kill();
    }, readyTimeoutMs);
    this.exited = new Promise((resolve) => {
      this.child.on("error", (e) => {
        this.exitReason = `could not start ${file}: ${e.message}`;
        resolve();
      });
      this.child.on("exit", (code, signal) => {
        this.exitReason ??= signal ? `was killed by signal ${signal}` : `exited with status ${code}`;
        resolve();
      });
    });
    void this.exited.then(() => {
      clearTimeout(timer);
      hello?.reject(new Error(`${this.exitReason} before saying hello${this.tailText()}`));
      hello = undefined;
      const p = this.pending;
      this.pending = undefined;
      p?.resolve({ kind: "exited", reason: `${this.exitReason} while running the task` });
    });
    this.child.stdin!.on("error", () => undefined); // EPIPE when it died: the exit says why
    this.child.stdout!.setEncoding("utf8");
    this.child.stdout!.on("data", (chunk: string) => {
      for (const line of this.lines.push(chunk)) {
        const m = parseMessage(line);
        if (m?.type === "hello") {
          clearTimeout(timer);
          if (m.protocol !== PROTOCOL || m.version !== PROTOCOL_VERSION) {
            hello?.reject(
              new Error(
                `speaks ${String(m.protocol)} version ${String(m.version)}; this controller speaks ${PROTOCOL} version ${PROTOCOL_VERSION}`,
              ),
            );
            this.kill();
          } else hello?.resolve();
          hello = undefined;
        } else if ((m?.type === "done" || m?.type === "failed") && this.pending && m.id === this.pending.id) {
          const p = this.pending;
          this.pending = undefined;
          p.resolve(
            m.type === "done" ? { kind: "done" } : { kind: "failed", error: String(m.error ?? "the task failed") },
          );
        } else if (!m && this.pending) {
          // Stray output on the protocol channel: keep it with the task's stderr.
          this.copyToErrors(this.pending.errors, line + "\n");
        }
      }
    });
    this.child.stderr!.setEncoding("utf8");
    this.child.stderr!.on("data", (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-TAIL_BYTES);
      if (this.pending) this.copyToErrors(this.pending.errors, chunk);
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return this.exitReason === undefined;
  }

  /** The last lines the instance wrote to stderr. */
  tail(): string {
    return this.stderrTail.trim().split("\n").slice(-20).join("\n");
  }

  private tailText(): string {
    const t = this.tail();
    return t ? `; its stderr ended with:\n${t}` : "";
  }

  private copyToErrors(path: string, text: string): void {
    this.writes = this.writes.then(() => appendFile(path, text).catch(() => undefined));
  }

  /** Send one task; resolves with the reply, or how the instance ended. */
  async send(definition: string, root: string, errors: string): Promise<InstanceReply> {
    if (!this.alive) return { kind: "exited", reason: `${this.exitReason} before the task was sent` };
    const id = this.nextId++;
    const reply = new Promise<InstanceReply>((resolve) => (this.pending = { id, errors, resolve }));
    this.child.stdin!.write(messageLine({ type: "task", id, definition, root }));
    const r = await reply;
    await this.writes; // the task's stderr is in its errors file before it is read
    return r;
  }

  /** Kill the instance's whole process group now. */
  kill(signal: NodeJS.Signals = "SIGKILL"): void {
    if (this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, signal);
    } catch {
      // Gone already.
    }
  }

  /** Ask it to end (EOF on stdin), then kill its group after the grace. */
  async end(): Promise<void> {
    this.child.stdin!.end();
    if (this.alive) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.exited, new Promise((r) => (timer = setTimeout(r, KILL_GRACE_MS)))]);
      clearTimeout(timer);
    }
    // What it left running in its group goes too.
    this.kill();
    await this.exited;
  }
}

/**
 * The worker end of the persistent protocol (docs/persistent-workers.md): one process serves many
 * tasks, one at a time, from the same handlers a per-task worker runs. `runIfMain` comes here when
 * the program is started with `--persistent`.
 */
import { FileStorage } from "./storage.js";
import {
  LineSplitter,
  messageLine,
  parseMessage,
  PROTOCOL,
  PROTOCOL_VERSION,
  type ReplyMessage,
} from "./persistent-protocol.js";
import type { RunOptions } from "./sdk.js";
import type { WorkerStorage } from "./storage.js";

/** What serving needs of a worker: its name and a way to run one task. */
export interface Servable {
  readonly def: { readonly name: string };
  runTask(definitionPath: string, storage: WorkerStorage, options?: RunOptions): Promise<boolean>;
  /** Release what the worker holds (a service's server and client) when the controller is done. */
  close?(): Promise<void>;
}

export interface ServeStreams {
  readonly input: NodeJS.ReadableStream;
  /** The protocol channel. */
  readonly write: (text: string) => void;
  /** Where failure messages go (the controller copies it into the task's `errors`). */
  readonly log: (text: string) => void;
}

/**
 * Serve until the input ends. The controller ends the input only when the instance is idle, or
 * when the controller itself is gone: then a task still running has no one to answer to, so
 * serving ends without waiting for it.
 */
export async function serve(worker: Servable, io: ServeStreams): Promise<void> {
  io.write(messageLine({ type: "hello", protocol: PROTOCOL, version: PROTOCOL_VERSION, worker: worker.def.name }));
  const storages = new Map<string, FileStorage>();
  const storageFor = (root: string | undefined) => {
    const key = root ?? "";
    let s = storages.get(key);
    if (!s) storages.set(key, (s = new FileStorage(root)));
    return s;
  };
  const lines = new LineSplitter();
  // Tasks run one after another: an instance is one worker, like a per-task process.
  let queue = Promise.resolve();
  const handle = async (line: string) => {
    const m = parseMessage(line);
    if (m?.type !== "task") return;
    const id = m.id as number;
    let failure: string | undefined;
    const ok = await worker
      .runTask(String(m.definition), storageFor(typeof m.root === "string" ? m.root : undefined), {
        onError: (message) => {
          failure ??= message;
          io.log(message + "\n");
        },
      })
      .catch((e: unknown) => {
        failure = (e as Error)?.message ?? String(e);
        return false;
      });
    const reply: ReplyMessage = ok ? { type: "done", id } : { type: "failed", id, error: failure ?? "the task failed" };
    io.write(messageLine(reply));
  };
  await new Promise<void>((resolve, reject) => {
    io.input.setEncoding?.("utf8");
    io.input.on("data", (chunk: string) => {
      for (const line of lines.push(chunk)) queue = queue.then(() => handle(line));
    });
    io.input.on("end", () => resolve());
    io.input.on("error", reject);
  });
  await worker.close?.();
}

/**
 * Serve on this process's stdin/stdout. The handlers' own output to stdout (console.log) is sent
 * to stderr instead, so that it cannot corrupt the protocol channel.
 */
export async function serveStdio(worker: Servable): Promise<void> {
  const out = process.stdout.write.bind(process.stdout) as (text: string) => boolean;
  process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
  await serve(worker, {
    input: process.stdin,
    write: (text) => void out(text),
    log: (text) => void process.stderr.write(text),
  });
  // A handler's timers or sockets must not keep an instance alive after its controller is done.
  process.exit(process.exitCode ?? 0);
}

/**
 * The persistent worker protocol (docs/persistent-workers.md): JSON lines over a long-lived
 * worker's stdin/stdout. Shared by the SDK's serving loop and the controller's executor so both
 * ends read and write the same messages.
 */

export const PROTOCOL = "typespec-workers/persistent";
export const PROTOCOL_VERSION = 1;
/** The argument that starts a worker program in persistent mode. */
export const PERSISTENT_FLAG = "--persistent";

export interface HelloMessage {
  readonly type: "hello";
  readonly protocol: typeof PROTOCOL;
  readonly version: number;
  readonly worker: string;
}

export interface TaskMessage {
  readonly type: "task";
  readonly id: number;
  /** The definition path relative to the checkpoints root, as a per-task worker gets it in argv. */
  readonly definition: string;
  /** The checkpoints root (`TKR_DIR`); when absent, the worker's own `TKR_DIR`. */
  readonly root?: string;
}

export type ReplyMessage =
  | { readonly type: "done"; readonly id: number }
  | { readonly type: "failed"; readonly id: number; readonly error: string };

export type WorkerMessage = HelloMessage | ReplyMessage;

/** One message as a line. */
export function messageLine(message: HelloMessage | TaskMessage | ReplyMessage): string {
  return JSON.stringify(message) + "\n";
}

/**
 * A line from the other end: a message object with a string `type`, or undefined for anything
 * else (stray output, which the caller treats as text).
 */
export function parseMessage(line: string): { type: string; [k: string]: unknown } | undefined {
  if (!line.startsWith("{")) return undefined;
  try {
    const m = JSON.parse(line) as unknown;
    if (typeof m === "object" && m !== null && typeof (m as { type?: unknown }).type === "string") {
      return m as { type: string };
    }
  } catch {
    // Not JSON: stray output.
  }
  return undefined;
}

/** Splits a byte stream into lines, keeping an unfinished last line for the next chunk. */
export class LineSplitter {
  private rest = "";
  push(chunk: string): string[] {
    const text = this.rest + chunk;
    const lines = text.split("\n");
    this.rest = lines.pop() ?? "";
    return lines;
  }
}

/**
 * Printing and formatting is most of the emitter's cost: loading ts-morph (it brings the whole
 * TypeScript compiler, ~230 ms) and prettier (~6 ms for a worker of ten tasks). For large specs
 * both happen on a thread per core, so the main thread never loads ts-morph; small specs are
 * printed on this thread, where starting threads would cost more than it saves.
 */
import { availableParallelism } from "node:os";
import type { StubsFile } from "./plain-structures.js";

/** From this many workers on, threads pay for their start-up (measured on 2 cores). */
const THREADED_FROM = 24;

export interface StubsPrinter {
  print(structure: StubsFile): Promise<string>;
  close(): Promise<void>;
}

export async function createStubsPrinter(files: number): Promise<StubsPrinter> {
  const threads = Math.min(availableParallelism(), Math.ceil(files / THREADED_FROM));
  if (threads <= 1) {
    const { printStubs } = await import("./print-stubs.js");
    return { print: printStubs, close: async () => {} };
  }
  const { Piscina } = await import("piscina");
  const pool = new Piscina<StubsFile, string>({
    filename: new URL("./print-stubs.js", import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
  });
  return { print: (structure) => pool.run(structure), close: () => pool.destroy() };
}

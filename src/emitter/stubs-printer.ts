/**
 * Printing and formatting stubs is most of the emitter's cost: loading ts-morph (it brings the
 * whole TypeScript compiler, ~230 ms), loading prettier, and ~6 ms of prettier per worker of ten
 * tasks. All of it happens on printing threads, started when the emitter module is loaded: the
 * compiler loads emitters before it resolves and checks the program, which is single-threaded, so
 * the threads warm up on an otherwise idle core. A large spec spreads over a thread per core.
 */
import { availableParallelism } from "node:os";
import { Piscina } from "piscina";
import type { StubsFile } from "./plain-structures.js";

let pool: Piscina<StubsFile, string> | undefined;

/** Starts the first printing thread; more start on demand, up to one per core. */
export function startStubsPrinter(): void {
  pool ??= new Piscina<StubsFile, string>({
    filename: new URL("./print-thread.js", import.meta.url).href,
    minThreads: availableParallelism(),
    maxThreads: availableParallelism(),
    // Idle threads are unref'd by the pool, so they never keep a finished compile alive.
    idleTimeout: 10_000,
  });
}

/** `stubs.ts` text for a structure, printed and formatted on a printing thread. */
export function printStubsOnThread(file: StubsFile): Promise<string> {
  startStubsPrinter();
  return pool!.run(file);
}

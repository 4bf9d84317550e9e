/**
 * Printing and formatting stubs is most of the emitter's cost: loading ts-morph (it brings the
 * whole TypeScript compiler, ~230 ms), loading prettier, and ~6 ms of prettier per worker of ten
 * tasks. All of it happens on printing threads, started when the emitter module is loaded: the
 * compiler loads emitters before it resolves and checks the program, which is single-threaded, so
 * the threads warm up on an otherwise idle core.
 *
 * One core is left to the compiler: every thread pays ~0.7 s of CPU to load ts-morph and
 * TypeScript, and a second thread on a 2-core machine took that from the checker (measured on 200
 * interfaces × 10 operations: emit/no-emit ratio 1.87 with two threads, 1.49–1.67 with one).
 */
import { availableParallelism } from "node:os";
import { Piscina } from "piscina";
import type { StubsFile } from "./plain-structures.js";

let pool: Piscina<StubsFile, string> | undefined;

const threads = Math.max(1, availableParallelism() - 1);

/** Starts the printing threads: one per core but the compiler's. */
export function startStubsPrinter(): void {
  pool ??= new Piscina<StubsFile, string>({
    filename: new URL("./print-thread.js", import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
    // Idle threads are unref'd by the pool, so they never keep a finished compile alive.
    idleTimeout: 10_000,
  });
}

/** `stubs.ts` text for a structure, printed and formatted on a printing thread. */
export function printStubsOnThread(file: StubsFile): Promise<string> {
  startStubsPrinter();
  return pool!.run(file);
}

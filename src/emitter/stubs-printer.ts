/**
 * Printing and formatting stubs is most of the emitter's cost (prettier's doc printer for every
 * constant, prettier itself for the files the fast layout cannot promise). It happens on printing
 * threads, started when emitting begins — never when this module is imported — so that the
 * main thread goes on building structures while they print.
 *
 * One core is left to the compiler's own thread (measured on 200 interfaces × 10 operations with
 * ts-morph on the threads: emit/no-emit ratio 1.87 with two threads on a 2-core machine, 1.49–1.67
 * with one).
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

/**
 * Entry of a printing thread. It loads ts-morph (with the whole TypeScript compiler) and prettier,
 * ~300 ms of parsing JavaScript each time: Node's compile cache keeps the compiled code on disk
 * between compiles (in the OS temp folder; Node checks each entry against its source).
 */
import { enableCompileCache } from "node:module";

enableCompileCache?.();
const { printStubs } = await import("./print-stubs.js");

export default printStubs;

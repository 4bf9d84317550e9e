/**
 * Entry of a printing thread. It loads prettier's doc printer, and prettier itself when a file
 * needs it: Node's compile cache keeps the compiled code on disk between compiles (in the OS temp
 * folder; Node checks each entry against its source).
 */
import { enableCompileCache } from "node:module";

enableCompileCache?.();
const { printStubs } = await import("./print-stubs.js");

export default printStubs;

/**
 * The run-time entry that generated stubs import (`typespec-workers/runtime`). It must never
 * import the TypeSpec compiler, ts-morph or prettier.
 */
export * from "./types.js";
export * from "./task.js";

/**
 * `typespec-workers/graph`: build typed graphs against generated stubs and run them locally with
 * checkpoints. Never imports the TypeSpec compiler, ts-morph or prettier.
 */
export * from "./builder.js";
export * from "./graph-data.js";
export type * from "./value-types.js";
export type * from "./executor.js";

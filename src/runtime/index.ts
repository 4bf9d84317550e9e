/**
 * The run-time entry that generated stubs import (`typespec-workers/runtime`). It must never
 * import the TypeSpec compiler, ts-morph or prettier.
 */
export * from "../contract/value-type.js";
export * from "./task.js";
export * from "../contract/json-text.js";
export * from "../contract/codec.js";
export * from "./call-args.js";
export * from "./glob.js";
export * from "./storage.js";
export * from "./sdk.js";
export * from "./persistent-protocol.js";
export * from "./serve.js";
export * from "./service.js";

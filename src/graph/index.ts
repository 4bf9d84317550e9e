/**
 * `typespec-workers/graph`: build typed graphs against generated stubs and run them locally with
 * checkpoints. Never imports the TypeSpec compiler, ts-morph or prettier.
 */
export * from "./builder.js";
export * from "./graph-data.js";
export type * from "../runtime/ts-of.js";
export type * from "./executor.js";
export { run, resume } from "./run.js";
export { IN_PROCESS_CONCURRENCY } from "./controller.js";
export type * from "./run-types.js";
export { readOutputs } from "./run-values.js";
export { readSignature, LAYOUTS, type LayoutKind } from "./run-layout.js";
export { readLoopTrace, loopNames, type LoopTrace } from "./loop-trace.js";
export * from "./errors.js";
export * from "./progress.js";
export * from "./status.js";
export { RunOptionsError } from "./run-options.js";
export { shellExecutor, type ShellExecutorOptions } from "./executors/shell.js";
export { stdioExecutor, type StdioExecutorOptions } from "./executors/stdio.js";
export { nodeExecutor, type NodeExecutorOptions } from "./executors/node.js";
export { inProcessExecutor } from "./executors/in-process.js";
export { routeExecutors } from "./executors/route.js";
export { chooseExecutors, type ExecutorChoice } from "./executors/choose.js";
export { WorkerNotFoundError } from "./executors/find-worker.js";
export {
  slurmExecutor,
  SlurmExecutor,
  slurmQueue,
  SlurmQueue,
  type SlurmExecutorOptions,
  type SlurmQueueOptions,
  type SlurmResources,
} from "./executors/slurm.js";
export { persistentExecutor, type PersistentExecutor, type PersistentExecutorOptions } from "./executors/persistent.js";
export { serviceExecutor, type ServiceExecutorOptions } from "./executors/service.js";
export { pythonExecutor, type PythonExecutorOptions } from "./executors/python.js";
export { containerExecutor, type ContainerExecutorOptions, type ContainerEngine } from "./executors/container.js";
export {
  poolOptions,
  defaultPoolOptions,
  findPoolConfig,
  PoolConfigError,
  KIND_FILE,
  type PoolConfig,
  type WorkerEntry,
  type WorkerKind,
  type PoolRunOptions,
} from "../pool/index.js";
export { readRunLock, type RunLockInfo } from "./run-lock.js";

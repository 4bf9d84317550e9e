/**
 * The TypeScript worker SDK. A worker file is
 *
 * ```ts
 * const impl = defineWorker(authWorker, { sign: async ({ private_key, passphrase, message }) => ..., verify: ... });
 * export default impl;
 * runIfMain(import.meta.url, impl);
 * ```
 *
 * and a controller starts it as `node worker.js <definition path relative to TKR_DIR>`, or as
 * `node worker.js --persistent` to serve many tasks over the persistent protocol (serve.ts). The
 * handler types are derived from the generated `WorkerStub`, so a wrong handler signature fails `tsc`.
 */
import { realpathSync } from "node:fs";
import { posix } from "node:path";
import { fileURLToPath } from "node:url";
import type { CallArgs } from "./call-args.js";
import { encodeValue, decodeValue, describeValue, fromJsonValue, ValueError } from "../contract/codec.js";
import { PERSISTENT_FLAG } from "./persistent-protocol.js";
import { serveStdio } from "./serve.js";
import { FileStorage, NotFoundError, type WorkerStorage } from "./storage.js";
import type { AnyWorkerStub, Handlers, Port, TaskSignature } from "./task.js";

export interface RunOptions {
  /** Called with the failure message when a task fails (`main` prints it to stderr). */
  onError?: (message: string) => void;
}

export interface WorkerImpl<H> {
  readonly def: AnyWorkerStub;
  readonly handlers: H;
  /**
   * Run the task whose call args are at `definitionPath` (relative to the storage root). Never
   * throws for a task failure: it writes the error file and resolves `false`.
   */
  runTask(definitionPath: string, storage: WorkerStorage, options?: RunOptions): Promise<boolean>;
  /**
   * The program: `argv[2]` is the definition path relative to `TKR_DIR` (default
   * `~/.tierkreis/checkpoints`), or `--persistent` to serve tasks on stdin/stdout until stdin
   * ends. Sets `process.exitCode`: 0 done, 1 failed, 2 usage error.
   */
  main(argv?: readonly string[]): Promise<void>;
}

/** A task failure whose message is complete (already names the task and port). */
class TaskError extends Error {}

type Handler = (inputs: Record<string, unknown>) => unknown;

/** Bind a worker's stub to its handlers. `NoInfer` makes the stub alone decide the handler types. */
export function defineWorker<W extends AnyWorkerStub>(def: W, handlers: NoInfer<Handlers<W>>): WorkerImpl<Handlers<W>> {
  const byName = new Map<string, { signature: TaskSignature; handler: Handler }>();
  for (const [key, { signature }] of Object.entries(def.tasks)) {
    const handler = (handlers as Record<string, unknown>)[key];
    if (typeof handler !== "function") {
      throw new TypeError(`${def.name}: no handler for task '${key}' (got ${describeValue(handler)})`);
    }
    byName.set(signature.name, { signature, handler: (inputs) => (handler as Handler).call(handlers, inputs) });
  }

  const impl: WorkerImpl<Handlers<W>> = {
    def,
    handlers,
    async runTask(definitionPath, storage, options = {}) {
      const log = async (args: CallArgs | undefined, text: string) => {
        if (!args?.logs_path || !storage.appendLog) return;
        try {
          await storage.appendLog(args.logs_path, `${new Date().toISOString()}: ${text}\n`);
        } catch {
          // A log that cannot be written must not fail the task.
        }
      };
      let args: CallArgs | undefined;
      let label = def.name; // in logs: worker.task once the task is known
      let prefix = def.name; // in messages: the task name, as TaskError messages have it
      try {
        try {
          args = await storage.readCallArgs(definitionPath);
        } catch (e) {
          if (e instanceof NotFoundError) throw new TaskError(`${def.name}: no call args at ${definitionPath}`);
          throw new TaskError(`${def.name}: ${(e as Error).message} (in ${definitionPath})`);
        }
        const fn = args.function_name.startsWith(`${def.name}.`)
          ? args.function_name.slice(def.name.length + 1)
          : args.function_name;
        label = `${def.name}.${fn}`;
        prefix = fn;
        const entry = byName.get(fn);
        if (!entry) {
          const known = [...byName.keys()].join(", ");
          throw new TaskError(`${def.name}: no task named '${fn}' (the worker has: ${known})`);
        }
        await log(args, `${label}: started`);
        await runOne(entry.signature, entry.handler, args, storage);
        await storage.markDone(args.done_path);
        await log(args, `${label}: done`);
        return true;
      } catch (e) {
        const message = e instanceof TaskError ? e.message : `${prefix}: ${(e as Error)?.message ?? String(e)}`;
        await log(args, `${label}: failed: ${message}`);
        if (!(e instanceof TaskError) && e instanceof Error && e.stack) await log(args, e.stack);
        options.onError?.(message);
        // Without readable call args the error marker goes where the controller looks for it.
        const errorPath = args?.error_path ?? posix.join(posix.dirname(definitionPath.split("\\").join("/")), "_error");
        try {
          await storage.writeError(errorPath, message + "\n");
        } catch (w) {
          options.onError?.(`${prefix}: could not write the error file ${errorPath}: ${(w as Error).message}`);
        }
        return false;
      }
    },
    async main(argv = process.argv) {
      const definitionPath = argv[2];
      if (definitionPath === PERSISTENT_FLAG) return serveStdio(impl);
      if (!definitionPath || definitionPath.startsWith("-")) {
        process.stderr.write(
          `usage: ${argv[1] ?? "worker"} <definition path relative to TKR_DIR> | ${PERSISTENT_FLAG}\n`,
        );
        process.exitCode = 2;
        return;
      }
      const ok = await impl.runTask(definitionPath, new FileStorage(), {
        onError: (m) => process.stderr.write(m + "\n"),
      });
      process.exitCode = ok ? 0 : 1;
    },
  };
  return impl;
}

async function readPort(port: Port, task: TaskSignature, args: CallArgs, storage: WorkerStorage): Promise<unknown> {
  const path = args.inputs[port.name];
  let bytes: Uint8Array | undefined;
  if (path !== undefined) {
    try {
      bytes = await storage.readInput(path);
    } catch (e) {
      if (!(e instanceof NotFoundError) || !port.optional) {
        const why = e instanceof NotFoundError ? "no value: file not found" : (e as Error).message;
        throw new TaskError(`${task.name}: input '${port.name}': ${why} (${path})`);
      }
    }
  } else if (!port.optional) {
    throw new TaskError(`${task.name}: input '${port.name}' is required but the call args do not give it`);
  }
  try {
    if (bytes !== undefined) return decodeValue(bytes, port.type);
    return port.default === undefined ? undefined : fromJsonValue(port.default, port.type);
  } catch (e) {
    if (!(e instanceof ValueError)) throw e;
    const what = bytes === undefined ? "default" : `${path}`;
    throw new TaskError(`${task.name}: input '${port.name}': ${e.message} (${what})`);
  }
}

async function runOne(task: TaskSignature, handler: Handler, args: CallArgs, storage: WorkerStorage): Promise<void> {
  const declaredIn = new Set(task.inputs.map((p) => p.name));
  for (const name of Object.keys(args.inputs)) {
    if (!declaredIn.has(name))
      throw new TaskError(`${task.name}: call args give input '${name}', which the task does not declare`);
  }
  const declaredOut = new Map(task.outputs.map((p) => [p.name, p]));
  for (const name of Object.keys(args.outputs)) {
    if (!declaredOut.has(name))
      throw new TaskError(`${task.name}: call args ask for output '${name}', which the task does not declare`);
  }

  const inputs: Record<string, unknown> = {};
  for (const port of task.inputs) {
    const value = await readPort(port, task, args, storage);
    if (value !== undefined) inputs[port.name] = value;
  }

  let result: unknown;
  try {
    result = await handler(inputs);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    throw Object.assign(new TaskError(`${task.name}: the handler threw: ${message}`), { cause: e });
  }

  // Encode every declared output before writing any, so a bad result leaves no output behind.
  const encoded = new Map<string, Uint8Array>();
  const values = outputValues(task, result);
  for (const port of task.outputs) {
    let value = values[port.name];
    if (value === undefined && port.type.kind === "null") value = null;
    if (value === undefined && port.optional) continue;
    if (value === undefined) {
      throw new TaskError(`${task.name}: output '${port.name}': the handler returned no value for it`);
    }
    try {
      encoded.set(port.name, encodeValue(value, port.type));
    } catch (e) {
      if (!(e instanceof ValueError)) throw e;
      throw new TaskError(`${task.name}: output '${port.name}': ${e.message}`);
    }
  }
  for (const [name, path] of Object.entries(args.outputs)) {
    const bytes = encoded.get(name);
    if (bytes !== undefined) await storage.writeOutput(path, bytes);
  }
}

/** The handler's result as port → value. */
function outputValues(task: TaskSignature, result: unknown): Record<string, unknown> {
  if (task.shape === "value") return { value: result };
  if (typeof result !== "object" || result === null || Array.isArray(result) || result instanceof Uint8Array) {
    throw new TaskError(
      `${task.name}: the handler must return an object with the output ports ${task.outputs.map((p) => `'${p.name}'`).join(", ")}, got ${describeValue(result)}`,
    );
  }
  const declared = new Set(task.outputs.map((p) => p.name));
  const values = result as Record<string, unknown>;
  for (const k of Object.keys(values)) {
    if (!declared.has(k) && values[k] !== undefined) {
      throw new TaskError(`${task.name}: the result has property '${k}', which is not an output port of the task`);
    }
  }
  return values;
}

/**
 * Run `impl.main()` when this module is the program node was started with (not when imported),
 * so a worker file is `export default defineWorker(...)` plus `runIfMain(import.meta.url, impl)`.
 */
export function runIfMain(
  importMetaUrl: string,
  impl: { main(argv?: readonly string[]): Promise<void> },
): Promise<void> | undefined {
  const script = process.argv[1];
  if (!script) return undefined;
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return p;
    }
  };
  if (real(script) !== real(fileURLToPath(importMetaUrl))) return undefined;
  return impl.main();
}

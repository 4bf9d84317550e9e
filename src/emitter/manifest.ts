/**
 * `worker.json`, the worker manifest: its tasks as plain JSON (ports with value types, how each task is
 * launched, resources, time limits), for executors and for workers not written in TypeScript.
 * Its shape is `schema/worker.schema.json` (shipped); `formatVersion` changes when a reader would
 * misread a file (a field added that an older reader may ignore, such as `vars`, does not change it),
 * and a task's worker and name are not repeated (they are the keys around it).
 */
import type { TaskModel, VarModel, WorkerModel } from "../model/model.js";

export const MANIFEST_SCHEMA = "https://typespec-workers.dev/schema/worker.schema.json";
export const MANIFEST_FORMAT_VERSION = 1;

export function renderManifest(worker: WorkerModel): string {
  const manifest = {
    $schema: MANIFEST_SCHEMA,
    formatVersion: MANIFEST_FORMAT_VERSION,
    name: worker.name,
    ...(worker.doc ? { doc: worker.doc } : {}),
    spec: worker.specFile,
    ...(worker.vars.length > 0 ? { vars: worker.vars.map(varEntry) } : {}),
    tasks: Object.fromEntries(worker.tasks.map((task) => [task.name, taskEntry(task)])),
  };
  return JSON.stringify(manifest, null, 2) + "\n";
}

function varEntry(v: VarModel) {
  return {
    name: v.name,
    type: v.valueType,
    ...(v.default !== undefined ? { default: v.default } : {}),
    ...(v.doc ? { doc: v.doc } : {}),
  };
}

function taskEntry(task: TaskModel) {
  const port = (p: TaskModel["inputs"][number]) => ({
    name: p.name,
    type: p.valueType,
    ...(p.optional ? { optional: true } : {}),
    ...(p.default !== undefined ? { default: p.default } : {}),
    ...(p.doc ? { doc: p.doc } : {}),
  });
  return {
    ...(task.doc ? { doc: task.doc } : {}),
    inputs: task.inputs.map(port),
    outputs: task.outputs.map(port),
    shape: task.shape,
    ...(task.launch ? { launch: task.launch } : {}),
    ...(task.resources ? { resources: task.resources } : {}),
    ...(task.timeout !== undefined ? { timeout: task.timeout } : {}),
  };
}

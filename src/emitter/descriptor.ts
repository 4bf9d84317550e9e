/**
 * `worker.json`: the worker's tasks as plain JSON (ports with type descriptors, how each task is
 * launched, resources, time limits), for executors and for workers not written in TypeScript.
 * Its shape is `schema/worker.schema.json` (shipped); `formatVersion` changes when a reader would
 * misread a file (a field added that an older reader may ignore, such as `vars`, does not change it),
 * and a task's worker and name are not repeated (they are the keys around it).
 */
import type { TaskModel, VarModel, WorkerModel } from "../spec/model.js";

export const DESCRIPTOR_SCHEMA = "https://typespec-workers.dev/schema/worker.schema.json";
export const DESCRIPTOR_FORMAT_VERSION = 1;

export function renderDescriptor(worker: WorkerModel): string {
  const descriptor = {
    $schema: DESCRIPTOR_SCHEMA,
    formatVersion: DESCRIPTOR_FORMAT_VERSION,
    name: worker.name,
    ...(worker.doc ? { doc: worker.doc } : {}),
    spec: worker.specFile,
    ...(worker.vars.length > 0 ? { vars: worker.vars.map(varDescriptor) } : {}),
    tasks: Object.fromEntries(worker.tasks.map((task) => [task.name, taskDescriptor(task)])),
  };
  return JSON.stringify(descriptor, null, 2) + "\n";
}

function varDescriptor(v: VarModel) {
  return {
    name: v.name,
    type: v.desc,
    ...(v.default !== undefined ? { default: v.default } : {}),
    ...(v.doc ? { doc: v.doc } : {}),
  };
}

function taskDescriptor(task: TaskModel) {
  const port = (p: TaskModel["inputs"][number]) => ({
    name: p.name,
    type: p.desc,
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

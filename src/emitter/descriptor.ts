/**
 * `worker.json`: the worker's tasks as plain JSON (ports with type descriptors, how each task is
 * launched, resources, time limits), for executors and for workers not written in TypeScript.
 */
import type { TaskModel, WorkerModel } from "../spec/model.js";

export function renderDescriptor(worker: WorkerModel): string {
  const descriptor = {
    name: worker.name,
    ...(worker.doc ? { doc: worker.doc } : {}),
    spec: worker.specFile,
    tasks: Object.fromEntries(worker.tasks.map((task) => [task.name, taskDescriptor(worker, task)])),
  };
  return JSON.stringify(descriptor, null, 2) + "\n";
}

function taskDescriptor(worker: WorkerModel, task: TaskModel) {
  const port = (p: TaskModel["inputs"][number]) => ({
    name: p.name,
    type: p.desc,
    ...(p.optional ? { optional: true } : {}),
    ...(p.default !== undefined ? { default: p.default } : {}),
    ...(p.doc ? { doc: p.doc } : {}),
  });
  return {
    worker: worker.name,
    name: task.name,
    ...(task.doc ? { doc: task.doc } : {}),
    inputs: task.inputs.map(port),
    outputs: task.outputs.map(port),
    shape: task.shape,
    launch: task.launch,
    ...(task.resources ? { resources: task.resources } : {}),
    ...(task.timeout !== undefined ? { timeout: task.timeout } : {}),
  };
}

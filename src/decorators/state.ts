/**
 * What the decorators record, through typed accessors: the one place that reads and writes
 * decorator state. Exported from the package, so another emitter can read a spec's decorators.
 */
import type { Interface, Model, Operation, Program } from "@typespec/compiler";
import { useStateMap, useStateSet } from "@typespec/compiler/utils";
import type { Resources } from "../../generated-defs/Workers.js";
import { StateKeys } from "../lib.js";

/** Whether a model is `@portmapping` (each property an output port). */
export const [isPortmapping, setPortmapping] = useStateSet<Model>(StateKeys.portmapping);

/** Every `@portmapping` model of a program, used by a task or not. */
export function portmappingModels(program: Program): ReadonlySet<Model> {
  return program.stateSet(StateKeys.portmapping) as Set<Model>;
}

/** `@command` lines of a task. */
export const [getCommandLines, setCommandLines] = useStateMap<Operation, readonly string[]>(StateKeys.command);

/** `@stdio` of a task: its line, `null` for a bare `@stdio`, `undefined` without one. */
export const [getStdio, setStdio] = useStateMap<Operation, string | null>(StateKeys.stdio);

/** `@script` path of a task. */
export const [getScriptPath, setScriptPath] = useStateMap<Operation, string>(StateKeys.script);

/** Whether a worker has `@script`: its tasks without a launch decorator run `<task>.sh`. */
export const [isScriptWorker, setScriptWorker] = useStateSet<Interface>(StateKeys.scriptWorker);

/** `@resources` given on a task or a worker, as written (see `getResources` for a task's merged ones). */
export const [getOwnResources, setOwnResources] = useStateMap<Operation | Interface, Resources>(StateKeys.resources);

/** `@timeout` given on a task or a worker, in seconds (see `getTimeout` for a task's effective one). */
export const [getOwnTimeout, setOwnTimeout] = useStateMap<Operation | Interface, number>(StateKeys.timeout);

/** `@vars` of a worker: the model whose properties are its template variables. */
export const [getVarsModel, setVarsModel] = useStateMap<Interface, Model>(StateKeys.vars);

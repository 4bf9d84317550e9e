import type { Interface, Operation, Program } from "@typespec/compiler";
import type { Resources, ResourcesDecorator, TimeoutDecorator } from "../../generated-defs/Workers.js";
import { reportDiagnostic, StateKeys } from "../lib.js";

export type { Resources };

const SLURM_TIME = /^(\d+-)?\d+(:\d{1,2}){0,2}$|^\d+-\d+$/;
const SLURM_MEMORY = /^\d+[KMGT]?$/;

export const $resources: ResourcesDecorator = (context, target, value) => {
  const problems: string[] = [];
  if (value.cpus !== undefined && value.cpus < 1) problems.push(`cpus must be at least 1, not ${value.cpus}`);
  if (value.memory !== undefined && !SLURM_MEMORY.test(value.memory)) {
    problems.push(`memory '${value.memory}' is not a size such as 512M or 2G`);
  }
  if (value.time !== undefined && !SLURM_TIME.test(value.time)) {
    problems.push(`time '${value.time}' is not a Slurm time such as 30, 10:00, 01:00:00 or 1-00:00:00`);
  }
  for (const problem of problems) {
    reportDiagnostic(context.program, {
      code: "invalid-resources",
      format: { reason: problem },
      target: context.getArgumentTarget(0) ?? target,
    });
  }
  context.program.stateMap(StateKeys.resources).set(target, value);
};

export const $timeout: TimeoutDecorator = (context, target, seconds) => {
  if (!(seconds > 0)) {
    reportDiagnostic(context.program, {
      code: "invalid-timeout",
      format: { value: String(seconds) },
      target: context.getArgumentTarget(0) ?? target,
    });
    return;
  }
  context.program.stateMap(StateKeys.timeout).set(target, seconds);
};

/** Resources of a task: the worker's, overridden field by field by the task's. */
export function getResources(program: Program, op: Operation): Resources | undefined {
  const map = program.stateMap(StateKeys.resources);
  const onWorker = op.interface ? (map.get(op.interface) as Resources | undefined) : undefined;
  const onTask = map.get(op) as Resources | undefined;
  if (!onWorker && !onTask) return undefined;
  return { ...onWorker, ...onTask };
}

/** Time limit of a task in seconds: the task's, else the worker's. */
export function getTimeout(program: Program, op: Operation | Interface): number | undefined {
  const map = program.stateMap(StateKeys.timeout);
  const own = map.get(op) as number | undefined;
  if (own !== undefined || op.kind === "Interface") return own;
  return op.interface ? (map.get(op.interface) as number | undefined) : undefined;
}

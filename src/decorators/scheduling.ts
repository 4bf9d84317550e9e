import type { DecoratorContext, DiagnosticTarget, Interface, Operation, Program } from "@typespec/compiler";
import type { Resources, ResourcesDecorator, TimeoutDecorator } from "../../generated-defs/Workers.js";
import { reportDiagnostic } from "../lib.js";
import { findResourceProblems, type ResourceProblem } from "../contract/resources.js";
import { repetition } from "./repeated.js";
import { getOwnResources, getOwnTimeout, setOwnResources, setOwnTimeout } from "./state.js";

export type { Resources };

// The Slurm executor checks requests with the same rules (`findResourceProblems`): a spec that
// compiles never asks for what the executor refuses.
export const $resources: ResourcesDecorator = (context, target, value) => {
  if (!isFirst(context, target, "@resources")) return;
  for (const problem of findResourceProblems(value)) {
    reportDiagnostic(context.program, {
      code: "invalid-resources",
      format: { reason: problem.message },
      target: fieldTarget(context, problem) ?? context.getArgumentTarget(0) ?? target,
    });
  }
  setOwnResources(context.program, target, value);
};

/** The value of the offending field in the `#{ ... }` literal (the word, for `sbatch`), when written there. */
function fieldTarget(context: DecoratorContext, problem: ResourceProblem): DiagnosticTarget | undefined {
  const argument = context.getArgumentTarget(0) as { properties?: unknown } | undefined;
  if (!argument || !("properties" in argument) || !Array.isArray(argument.properties)) return undefined;
  const property = (argument.properties as { id?: { sv: string }; value?: DiagnosticTarget }[]).find(
    (p) => p.id?.sv === problem.field,
  );
  const value = property?.value;
  if (!value) return undefined;
  if (problem.index !== undefined && "values" in value && Array.isArray(value.values))
    return (value.values as DiagnosticTarget[])[problem.index] ?? value;
  return value;
}

export const $timeout: TimeoutDecorator = (context, target, seconds) => {
  if (!isFirst(context, target, "@timeout")) return;
  if (!(seconds > 0)) {
    reportDiagnostic(context.program, {
      code: "invalid-timeout",
      format: { value: String(seconds) },
      target: context.getArgumentTarget(0) ?? target,
    });
    return;
  }
  setOwnTimeout(context.program, target, seconds);
};

/** Resources of a task: the worker's, overridden field by field by the task's. */
export function getResources(program: Program, op: Operation): Resources | undefined {
  const onWorker = op.interface ? getOwnResources(program, op.interface) : undefined;
  const onTask = getOwnResources(program, op);
  if (!onWorker && !onTask) return undefined;
  return { ...onWorker, ...onTask };
}

/** Time limit of a task in seconds: the task's, else the worker's. */
export function getTimeout(program: Program, op: Operation | Interface): number | undefined {
  const own = getOwnTimeout(program, op);
  if (own !== undefined || op.kind === "Interface") return own;
  return op.interface ? getOwnTimeout(program, op.interface) : undefined;
}

/** False, after reporting it, for a second `@timeout` or `@resources` on one declaration. */
function isFirst(context: DecoratorContext, target: Operation | Interface, decorator: string): boolean {
  const r = repetition(context, target, decorator);
  if (r.kind === "first") return true;
  reportDiagnostic(context.program, {
    code: "duplicate-decorator",
    format: { decorator, target: target.name },
    target: r.at,
  });
  return false;
}

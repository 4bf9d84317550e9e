import type { DecoratorContext, Interface, Operation, Program } from "@typespec/compiler";
import type { CommandDecorator, ScriptDecorator, StdioDecorator } from "../../generated-defs/Workers.js";
import { reportDiagnostic } from "../lib.js";
import {
  getCommandLines,
  getScriptPath,
  getStdio,
  isScriptWorker,
  setCommandLines,
  setScriptPath,
  setScriptWorker,
  setStdio,
} from "./state.js";
import { repetition } from "./repeated.js";
import { checkShellOperators } from "./shell-operators.js";

/** How the generated launcher runs a task's program. */
export type LaunchSpec =
  | { readonly kind: "command"; readonly lines: readonly string[] }
  | { readonly kind: "stdio"; readonly line?: string }
  | { readonly kind: "script"; readonly path: string };

// Templates are checked against the ports in `$onValidate`, where the operation's parameters and
// return type are fully checked; what needs no ports is checked here, as the decorator is applied.
export const $command: CommandDecorator = (context, target, ...lines) => {
  if (!isFirst(context, target, "@command")) return;
  if (lines.length === 0) {
    reportDiagnostic(context.program, { code: "invalid-command", messageId: "empty", target: context.decoratorTarget });
  }
  lines.forEach((line, i) =>
    checkShellOperators(context.program, line, context.getArgumentTarget(i) ?? context.decoratorTarget),
  );
  setCommandLines(context.program, target, lines);
};

export const $stdio: StdioDecorator = (context, target, line) => {
  if (!isFirst(context, target, "@stdio")) return;
  if (line !== undefined)
    checkShellOperators(context.program, line, context.getArgumentTarget(0) ?? context.decoratorTarget);
  setStdio(context.program, target, line ?? null);
};

export const $script: ScriptDecorator = (context, target, path) => {
  if (target.kind === "Interface") {
    const r = repetition(context, target, "@script");
    if (r.kind !== "first") {
      reportDiagnostic(context.program, {
        code: "duplicate-decorator",
        format: { decorator: "@script", target: target.name },
        target: r.at,
      });
      return;
    }
    if (path !== undefined) {
      reportDiagnostic(context.program, {
        code: "invalid-script",
        format: { worker: target.name },
        target: context.getArgumentTarget(0) ?? context.decoratorTarget,
      });
    }
    setScriptWorker(context.program, target);
    return;
  }
  if (!isFirst(context, target, "@script")) return;
  setScriptPath(context.program, target, path ?? `${target.name}.sh`);
};

/** False, after reporting it, for a launch decorator that repeats or contradicts an earlier one. */
function isFirst(context: DecoratorContext, target: Operation, decorator: string): boolean {
  const r = repetition(context, target, decorator);
  if (r.kind === "repeated") {
    reportDiagnostic(context.program, {
      code: "duplicate-decorator",
      format: { decorator, target: target.name },
      target: r.at,
    });
  } else if (r.kind === "conflicting-launch") {
    reportDiagnostic(context.program, { code: "conflicting-launch", format: { task: target.name }, target: r.at });
  }
  return r.kind === "first";
}

/** The decorators given on a task: one at most (a further one is reported and not recorded). */
export function getLaunchSpecs(program: Program, op: Operation): LaunchSpec[] {
  const specs: LaunchSpec[] = [];
  const lines = getCommandLines(program, op);
  if (lines !== undefined) specs.push({ kind: "command", lines });
  const line = getStdio(program, op);
  if (line !== undefined) specs.push(line === null ? { kind: "stdio" } : { kind: "stdio", line });
  const path = getScriptPath(program, op);
  if (path !== undefined) specs.push({ kind: "script", path });
  return specs;
}

/**
 * How the generated launcher runs a task: its decorator, else the script `<task>.sh` when its
 * worker has a launcher, else nothing (the task is run by the worker's implementation in code).
 */
export function getLaunchSpec(program: Program, op: Operation): LaunchSpec | undefined {
  const own = getLaunchSpecs(program, op)[0];
  if (own) return own;
  return op.interface && hasLauncher(program, op.interface) ? { kind: "script", path: `${op.name}.sh` } : undefined;
}

/**
 * Whether a worker gets a launcher (`main.sh`): it has `@script`, or one of its tasks has
 * `@command`, `@stdio` or `@script`. A worker without one is written in code (TypeScript, Python),
 * and a launcher would only fail each task with a missing `<task>.sh`.
 */
export function hasLauncher(program: Program, worker: Interface): boolean {
  if (isScriptWorker(program, worker)) return true;
  for (const op of worker.operations.values()) if (getLaunchSpecs(program, op).length > 0) return true;
  return false;
}

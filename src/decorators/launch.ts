import type { DecoratorContext, Operation, Program } from "@typespec/compiler";
import type { CommandDecorator, ScriptDecorator, StdioDecorator } from "../../generated-defs/Workers.js";
import { reportDiagnostic } from "../lib.js";
import { getCommandLines, getScriptPath, getStdio, setCommandLines, setScriptPath, setStdio } from "./state.js";
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
  if (!isFirst(context, target, "@script")) return;
  setScriptPath(context.program, target, path);
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

/** How a task is launched: its decorator, or the default script `<task>.sh`. */
export function getLaunchSpec(program: Program, op: Operation): LaunchSpec {
  return getLaunchSpecs(program, op)[0] ?? { kind: "script", path: `${op.name}.sh` };
}

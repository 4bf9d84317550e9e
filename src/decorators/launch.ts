import type { Operation, Program } from "@typespec/compiler";
import type { CommandDecorator, ScriptDecorator, StdioDecorator } from "../../generated-defs/Workers.js";
import { StateKeys } from "../lib.js";

/** How the generated launcher runs a task's program. */
export type LaunchSpec =
  | { readonly kind: "command"; readonly lines: readonly string[] }
  | { readonly kind: "stdio"; readonly line?: string }
  | { readonly kind: "script"; readonly path: string };

// Templates are parsed and checked against the ports in `$onValidate`, where the operation's
// parameters and return type are fully checked.
export const $command: CommandDecorator = (context, target, ...lines) => {
  context.program.stateMap(StateKeys.command).set(target, lines);
};

export const $stdio: StdioDecorator = (context, target, line) => {
  context.program.stateMap(StateKeys.stdio).set(target, line ?? null);
};

export const $script: ScriptDecorator = (context, target, path) => {
  context.program.stateMap(StateKeys.script).set(target, path);
};

/** The decorators given on a task, in a fixed order (validation reports more than one). */
export function getLaunchSpecs(program: Program, op: Operation): LaunchSpec[] {
  const specs: LaunchSpec[] = [];
  const lines = program.stateMap(StateKeys.command).get(op) as string[] | undefined;
  if (lines !== undefined) specs.push({ kind: "command", lines });
  if (program.stateMap(StateKeys.stdio).has(op)) {
    const line = program.stateMap(StateKeys.stdio).get(op) as string | null;
    specs.push(line === null ? { kind: "stdio" } : { kind: "stdio", line });
  }
  const path = program.stateMap(StateKeys.script).get(op) as string | undefined;
  if (path !== undefined) specs.push({ kind: "script", path });
  return specs;
}

/** How a task is launched: its decorator, or the default script `<task>.sh`. */
export function getLaunchSpec(program: Program, op: Operation): LaunchSpec {
  return getLaunchSpecs(program, op)[0] ?? { kind: "script", path: `${op.name}.sh` };
}

/**
 * Spec-time checks of how a task is launched: command templates against the task's ports,
 * @stdio arity, and at most one of @command/@stdio/@script. Reported at the decorator (for a
 * template problem, at the placeholder inside the string when the string has no escapes), so the
 * editor underlines the mistake, not the whole operation.
 */
import {
  type DecoratorApplication,
  type DecoratorFunction,
  type DiagnosticTarget,
  type Model,
  type Program,
} from "@typespec/compiler";
import { parseTemplate } from "../decorators/command-template.js";
import { reportDiagnostic } from "../lib.js";
import type { TaskModel } from "./model.js";
import { modelProperties } from "./describe-type.js";
import { isPortmapping } from "../decorators/portmapping.js";
import { $command, $script, $stdio } from "../decorators/launch.js";
import { inString } from "../decorators/string-location.js";
import { didYouMean } from "../contract/closest.js";

const LAUNCH_DECORATORS = new Map<DecoratorFunction, string>([
  [$command as DecoratorFunction, "@command"],
  [$stdio as DecoratorFunction, "@stdio"],
  [$script as DecoratorFunction, "@script"],
]);

/** The worker around a task, as far as its command lines see it. */
export interface TemplateScope {
  readonly worker: string;
  /** Names of the worker's template variables (`@vars`). */
  readonly vars: readonly string[];
}

export function validateLaunch(program: Program, task: TaskModel, scope: TemplateScope): void {
  const op = task.op;
  // Only the first launch decorator counts: a further one was reported when it was applied.
  const applications = launchApplications(task).slice(0, 1);

  const ports = portNames(program, task);
  for (const application of applications) {
    const name = decoratorName(application);
    if (name === "@command") {
      for (const arg of application.args) {
        if (typeof arg.jsValue === "string")
          checkTemplate(program, task, ports, scope, arg.jsValue, arg.node ?? application.node ?? op);
      }
    } else if (name === "@stdio") {
      if (ports.inputs.length !== 1 || ports.outputs.length !== 1) {
        reportDiagnostic(program, {
          code: "stdio-arity",
          format: { task: task.name, inputs: String(ports.inputs.length), outputs: String(ports.outputs.length) },
          target: application.node ?? op,
        });
      }
      const line = application.args[0];
      if (line && typeof line.jsValue === "string")
        checkTemplate(program, task, ports, scope, line.jsValue, line.node ?? application.node ?? op);
    }
  }
}

/** The task's launch decorators in source order. */
function launchApplications(task: TaskModel): DecoratorApplication[] {
  return task.op.decorators
    .filter((d) => decoratorName(d) !== undefined)
    .sort((a, b) => (a.node?.pos ?? 0) - (b.node?.pos ?? 0));
}

function decoratorName(application: DecoratorApplication): string | undefined {
  const known = LAUNCH_DECORATORS.get(application.decorator);
  if (known) return known;
  // Another copy of this library's module (e.g. sources and dist in one process): match by declaration.
  const definition = application.definition;
  if (definition?.namespace.name === "Workers" && ["@command", "@stdio", "@script"].includes(definition.name))
    return definition.name;
  return undefined;
}

interface PortNames {
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
}

/** Port names from the declaration itself, so a port whose type is reported elsewhere still counts. */
function portNames(program: Program, task: TaskModel): PortNames {
  const inputs = [...task.op.parameters.properties.keys()];
  const result = task.op.returnType;
  const outputs =
    result.kind === "Model" && isPortmapping(program, result)
      ? modelProperties(result as Model).map((p) => p.name)
      : ["value"];
  return { inputs, outputs };
}

function checkTemplate(
  program: Program,
  task: TaskModel,
  ports: PortNames,
  scope: TemplateScope,
  template: string,
  node: DiagnosticTarget,
): void {
  const at = (offset: number, end: number) => inString(node, template, offset, end) ?? node;
  const parsed = parseTemplate(template);
  if (!parsed.ok) {
    reportDiagnostic(program, {
      code: "invalid-command",
      messageId: "default",
      format: { reason: parsed.reason },
      target: at(parsed.offset, parsed.offset + 1),
    });
    return;
  }
  for (const placeholder of parsed.placeholders) {
    const { name, offset, end } = placeholder;
    const target = at(offset, end);
    if (placeholder.kind === "var") {
      if (!scope.vars.includes(name)) {
        reportDiagnostic(program, {
          code: "invalid-command",
          messageId: "unknown-var",
          format: {
            name,
            worker: scope.worker,
            hint: didYouMean(name, scope.vars),
            vars: scope.vars.length > 0 ? scope.vars.join(", ") : "none",
          },
          target,
        });
      }
      continue;
    }
    const isInput = ports.inputs.includes(name);
    const isOutput = ports.outputs.includes(name);
    if (!isInput && !isOutput) {
      const all = [...ports.inputs, ...ports.outputs];
      if (scope.vars.includes(name)) {
        reportDiagnostic(program, {
          code: "invalid-command",
          messageId: "var-as-port",
          format: { name, task: task.name },
          target,
        });
        continue;
      }
      reportDiagnostic(program, {
        code: "invalid-command",
        messageId: "unknown-port",
        format: { name, task: task.name, hint: didYouMean(name, all), ports: all.length > 0 ? all.join(", ") : "none" },
        target,
      });
    } else if (isInput && isOutput) {
      reportDiagnostic(program, {
        code: "invalid-command",
        messageId: "default",
        format: {
          reason: `'{${name}}' is ambiguous: task '${task.name}' has an input and an output named '${name}'; rename one of them.`,
        },
        target,
      });
    }
  }
}

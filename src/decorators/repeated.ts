/**
 * A decorator given more than once on one declaration. Checked while the decorator runs (so an
 * editor shows it with the compiler's own errors): the first in the source is taken as meant and
 * each further one is reported, at itself.
 *
 * Not the compiler's `validateDecoratorUniqueOnNode` / `validateDecoratorNotOnType`: the first
 * counts only copies written on the declaration (a second `@timeout` given by `@@timeout` goes
 * unreported) and both report every copy, the first one too, and match the decorator by function,
 * so a second copy of this library's module is not seen (test/emitter/repeated-decorators.test.ts).
 */
import type {
  DecoratorApplication,
  DecoratorContext,
  DiagnosticTarget,
  Interface,
  Operation,
} from "@typespec/compiler";

/** `@command`, `@stdio` and `@script` each say how a task runs: one of them at most. */
const LAUNCH = new Set(["@command", "@stdio", "@script"]);

export type Repetition =
  | { readonly kind: "first" }
  /** The same decorator came earlier. */
  | { readonly kind: "repeated"; readonly at: DiagnosticTarget }
  /** Another launch decorator came earlier. */
  | { readonly kind: "conflicting-launch"; readonly at: DiagnosticTarget };

/** Whether the application being run (`context`) of `decorator` is the first of its kind on `target`. */
export function repetition(context: DecoratorContext, target: Operation | Interface, decorator: string): Repetition {
  const ours = target.decorators.filter((d) => workersName(d) !== undefined).sort(bySource);
  const here = ours.find((d) => d.node === context.decoratorTarget) ?? ours.find((d) => workersName(d) === decorator);
  if (!here) return { kind: "first" };
  const earlier = ours.slice(0, ours.indexOf(here));
  const at = here.node ?? context.decoratorTarget;
  if (earlier.some((d) => workersName(d) === decorator)) return { kind: "repeated", at };
  if (LAUNCH.has(decorator) && earlier.some((d) => LAUNCH.has(workersName(d)!)))
    return { kind: "conflicting-launch", at };
  return { kind: "first" };
}

/** `@name` of one of this library's decorators (matched by declaration, so a second copy of the module counts too). */
function workersName(application: DecoratorApplication): string | undefined {
  const definition = application.definition;
  return definition?.namespace.name === "Workers" ? definition.name : undefined;
}

function bySource(a: DecoratorApplication, b: DecoratorApplication): number {
  return (a.node?.pos ?? 0) - (b.node?.pos ?? 0);
}

/**
 * Lays out stub expressions exactly as prettier would, without prettier's parse and AST walk
 * (three quarters of its cost, measured): each expression becomes the prettier doc that prettier's
 * estree printer builds for it, and prettier's own doc printer decides every line break. The
 * rules mirrored here are prettier 3's for objects, arrays and call arguments; a test compares
 * this layout with prettier on generated specs, and `print-stubs.ts` falls back to prettier for
 * anything outside these shapes.
 */
import { builders, printer, utils } from "prettier/doc";

type Doc = builders.Doc;
import { docLines, type Expr } from "./expr.js";
import type { PlainConst } from "./plain-structures.js";

const { group, conditionalGroup, indent, indentIfBreak, line, softline, hardline, ifBreak, join, breakParent } =
  builders;
const { willBreak } = utils;

/** prettier's defaults: the output must pass `prettier --check` in a project without a config. */
const PRINT_OPTIONS = { printWidth: 80, tabWidth: 2, useTabs: false } as const;

/**
 * A top-level `const` statement as prettier lays out an assignment ("fluid"): the right side moves
 * to the next line only if even its start does not fit.
 */
export function layoutConst(c: PlainConst): string {
  const left: Doc = [c.exported ? "export const " : "const ", c.name];
  const id = Symbol("assignment");
  const statement = group([
    group(left),
    " =",
    group(indent(line), { id }),
    indentIfBreak(toDoc(c.init), { groupId: id }),
  ]);
  return printer.printDocToString([statement, ";"], PRINT_OPTIONS).formatted;
}

function toDoc(e: Expr): Doc {
  switch (e.k) {
    case "text":
      return e.text;
    case "as-const":
      return [toDoc(e.expr), " as const"];
    case "object":
      return objectDoc(e);
    case "array":
      return arrayDoc(e);
    case "call":
      return [e.callee, argumentsDoc(e.args)];
  }
}

/** An object stays expanded when its source was (we decide that) or holds comments. */
function objectDoc(e: Extract<Expr, { k: "object" }>): Doc {
  if (e.props.length === 0) return "{}";
  const props = e.props.map((p): Doc => [
    p.doc ? [join(hardline, docLines(p.doc)), hardline] : "",
    p.value ? [p.key, ": ", toDoc(p.value)] : p.key,
  ]);
  const shouldBreak = e.expanded === true || e.props.some((p) => p.doc);
  return group(["{", indent([line, join([",", line], props)]), ifBreak(","), line, "}"], { shouldBreak });
}

/** prettier breaks an array of several objects (or arrays) that each have more than one entry. */
function arrayDoc(e: Extract<Expr, { k: "array" }>): Doc {
  if (e.items.length === 0) return "[]";
  const shouldBreak =
    e.items.length > 1 &&
    e.items.every(
      (item, i, items) =>
        ((item.k === "object" && item.props.length > 1) || (item.k === "array" && item.items.length > 1)) &&
        (i === items.length - 1 || items[i + 1]!.k === item.k),
    );
  return group(["[", indent([softline, join([",", line], e.items.map(toDoc))]), ifBreak(","), softline, "]"], {
    shouldBreak,
  });
}

function couldExpand(e: Expr): boolean {
  return (
    (e.k === "object" && e.props.length > 0) ||
    (e.k === "array" && e.items.length > 0) ||
    (e.k === "as-const" && couldExpand(e.expr))
  );
}

/** Call arguments: all on one line, else the last object or array "hugged", else one per line. */
function argumentsDoc(args: readonly Expr[]): Doc {
  if (args.length === 0) return "()";
  const printed = args.map(toDoc);
  const allBroken = () =>
    group(["(", indent([line, join([",", line], printed)]), ",", line, ")"], { shouldBreak: true });
  const last = args.at(-1)!;
  const penultimate = args.at(-2);
  if (couldExpand(last) && (!penultimate || penultimate.k !== last.k)) {
    const init = printed.slice(0, -1);
    const lead: Doc = init.length ? [join(", ", init), ", "] : "";
    return [
      printed.some(willBreak) ? breakParent : "",
      conditionalGroup(
        [
          ["(", lead, printed.at(-1)!, ")"],
          ["(", lead, group(printed.at(-1)!, { shouldBreak: true }), ")"],
          allBroken(),
        ],
        { shouldBreak: init.some(willBreak) },
      ),
    ];
  }
  return group(["(", indent([softline, join([",", line], printed)]), ifBreak(","), softline, ")"], {
    shouldBreak: printed.some(willBreak),
  });
}

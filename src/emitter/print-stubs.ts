/**
 * Stubs statements → formatted TypeScript text, on a printing thread (its input is plain data;
 * it imports neither the TypeSpec compiler nor program state).
 *
 * `print-statements.ts` prints the statements; constants' initializers are laid out by prettier's
 * doc printer (`layout.ts`). The result is what prettier would write; where that cannot be
 * promised — a line over the print width, text whose quotes or numbers prettier would rewrite,
 * wide characters — the whole file goes through prettier instead.
 */
import { flatText } from "./expr.js";
import { layoutConst } from "./layout.js";
import type { PlainConst, StubsFile } from "./plain-structures.js";
import { printStatements } from "./print-statements.js";
import { formatTypeScript } from "./prettier.js";

const PRINT_WIDTH = 80;

export async function printStubs(file: StubsFile): Promise<string> {
  return printWithLayout(file) ?? printWithPrettier(file);
}

/** The reference: the statements printed on one line each, formatted by prettier. */
export function printWithPrettier(file: StubsFile): Promise<string> {
  return formatTypeScript(print(file, (c) => flatText(c.init)));
}

export default printStubs;

/** The fast path, or undefined where only prettier can say what the text should be. */
export function printWithLayout(file: StubsFile): string | undefined {
  const out = layOut(file);
  return out !== undefined && isSafe(out) ? out : undefined;
}

/** The text of the fast path, before checking that prettier would leave it as it is. */
export function layOut(file: StubsFile): string | undefined {
  const consts: PlainConst[] = [];
  const text = print(file, (c) => `__const${consts.push(c) - 1}__`);
  return (
    text
      .replace(/^.*__const(\d+)__;$/gm, (_, i: string) => layoutConst(consts[Number(i)]!))
      // prettier writes an empty interface as `{}`, keeps at most one blank line, and ends with one newline.
      .replace(/ \{\n\}/g, " {}")
      .replace(/\n{3,}/g, "\n\n")
      .replace(/\n*$/, "\n")
  );
}

/**
 * What prettier would leave as it is: no code line beyond the width (it would break it; it never
 * reflows comments), only ASCII
 * (wide characters count double in its width), no `"` inside a string (it would switch quotes),
 * no exponent in a number (it would rewrite it).
 */
function isSafe(text: string): boolean {
  if (!/^[\x00-\x7f]*$/.test(text)) return false;
  if (/\\"/.test(text) || /\b\d+(\.\d+)?e[+-]?\d/i.test(text)) return false;
  return text.split("\n").every((l) => l.length <= PRINT_WIDTH || /^\s*(\/\/|\/\*|\*)/.test(l));
}

/** The statements' text; `init` gives each constant's initializer text. */
function print(file: StubsFile, init: (c: PlainConst) => string): string {
  return printStatements(file, init);
}

/**
 * A warning for shell syntax in a command line (`sort {in} > {out}`, `a | b`, `a && b`): lines are
 * split into words when the spec is compiled and no shell ever reads them, so `>` reaches the
 * program as an argument. The warning shows the same line run by `bash -c`, with the ports passed
 * as the script's arguments (never spliced into its text), template variables too.
 */
import type { DiagnosticTarget, Program } from "@typespec/compiler";
import { reportDiagnostic } from "../lib.js";
import { inString } from "./string-location.js";

const OPERATORS = new Map<string, string>([
  [">", "redirect output"],
  [">>", "redirect output"],
  ["2>", "redirect output"],
  ["2>>", "redirect output"],
  ["&>", "redirect output"],
  ["2>&1", "redirect output"],
  ["<", "redirect input"],
  ["<<", "redirect input"],
  ["|", "pipe"],
  ["|&", "pipe"],
  [";", "run several commands"],
  ["&&", "run several commands"],
  ["||", "run several commands"],
  ["&", "run in the background"],
]);

/** A redirection written against its file: `>{value}`, `2>/dev/null`, `<in.txt`. */
const ATTACHED_REDIRECTION = /^(?:2?>>?|&>|<)(?=.)/;

interface RawWord {
  readonly text: string;
  readonly offset: number;
}

export function checkShellOperators(program: Program, line: string, node: DiagnosticTarget): void {
  for (const word of unquotedWords(line)) {
    const attached = ATTACHED_REDIRECTION.exec(word.text);
    const operator = OPERATORS.has(word.text) ? word.text : attached?.[0];
    if (operator === undefined) continue;
    reportDiagnostic(program, {
      code: "shell-operator",
      format: { operator, purpose: OPERATORS.get(operator)!, suggestion: suggestion(line) },
      target: inString(node, line, word.offset, word.offset + word.text.length) ?? node,
    });
    return; // one warning per line says it
  }
}

/** The words of a line outside quotes, as written (a quoted `'>'` is meant literally). */
function unquotedWords(line: string): RawWord[] {
  const words: RawWord[] = [];
  let start = -1;
  let quote: string | undefined;
  let quoted = false;
  const end = (i: number) => {
    if (start >= 0 && !quoted) words.push({ text: line.slice(start, i), offset: start });
    start = -1;
    quoted = false;
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (/[ \t\r\n]/.test(c)) {
      end(i);
    } else {
      if (start < 0) start = i;
      if (c === "'" || c === '"') {
        quote = c;
        quoted = true;
      }
    }
  }
  end(line.length);
  return words;
}

/** The line as a `bash -c` script with its ports as positional arguments, as it would be written in the spec. */
function suggestion(line: string): string {
  if (line.includes("'")) return `@command("bash -c '... \\"$1\\" ...' _ {port}") (see docs/launchers.md)`;
  const ports: string[] = [];
  const script = line.replace(
    /\{\{|\}\}|\{((?:var\.)?[A-Za-z_][A-Za-z0-9_]*)\}/g,
    (match, name: string | undefined) => {
      if (name === undefined) return match[0]!;
      if (!ports.includes(name)) ports.push(name);
      return `"$${ports.indexOf(name) + 1}"`;
    },
  );
  const args = ports.map((p) => ` {${p}}`).join("");
  const text = `bash -c '${script.replace(/[{}]/g, (b) => b + b)}'${ports.length ? ` _${args}` : ""}`;
  return `@command("${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}")`;
}

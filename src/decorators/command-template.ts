/**
 * Command-line templates of `@command(...)` and `@stdio(line)`, parsed when the spec is compiled.
 *
 * A template is split into words here, never by a shell at run time: a placeholder always
 * becomes exactly one argument (or part of one), whatever its value holds. Rules:
 * - words are separated by unquoted spaces, tabs or newlines;
 * - `'...'` and `"..."` group text with spaces into one word (no other meaning: no escapes, no
 *   variables); `''` is an empty word; a quote character goes inside the other kind of quotes;
 * - `{port}` stands for a port, also inside quotes and inside a word (`file:{passphrase}`);
 * - `{var.name}` stands for a template variable of the worker (`@vars`), in the same places;
 * - `{{` and `}}` are literal braces.
 *
 * Pure TypeScript without compiler imports: the light entry (validation) loads it too.
 */

export type TemplatePart =
  | { readonly kind: "text"; readonly text: string }
  | { readonly kind: "port"; readonly name: string }
  | { readonly kind: "var"; readonly name: string };

export interface TemplateWord {
  readonly parts: readonly TemplatePart[];
}

export interface TemplatePlaceholder {
  /** `{name}` is a port, `{var.name}` a template variable. */
  readonly kind: "port" | "var";
  readonly name: string;
  /** Offset of the `{` in the template text. */
  readonly offset: number;
  /** Offset just after the `}`. */
  readonly end: number;
}

export type ParsedTemplate =
  | {
      readonly ok: true;
      readonly words: readonly TemplateWord[];
      readonly placeholders: readonly TemplatePlaceholder[];
    }
  | { readonly ok: false; readonly reason: string; readonly offset: number };

const PLACEHOLDER = /^(var\.)?([A-Za-z_][A-Za-z0-9_]*)$/;
const SPACE = /[ \t\r\n]/;

export function parseTemplate(template: string): ParsedTemplate {
  const words: TemplateWord[] = [];
  const placeholders: TemplatePlaceholder[] = [];
  let parts: TemplatePart[] | undefined; // the word being read, if any
  let text = "";
  let quote: { char: string; offset: number } | undefined;

  const flushText = () => {
    if (text !== "") (parts ??= []).push({ kind: "text", text });
    text = "";
  };
  const endWord = () => {
    flushText();
    if (parts) words.push({ parts: mergeText(parts) });
    parts = undefined;
  };
  const fail = (reason: string, offset: number): ParsedTemplate => ({ ok: false, reason, offset });

  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    if (quote) {
      if (c === quote.char) {
        quote = undefined;
        continue;
      }
    } else if (SPACE.test(c)) {
      endWord();
      continue;
    } else if (c === "'" || c === '"') {
      quote = { char: c, offset: i };
      parts ??= []; // `''` is a word, even when empty
      continue;
    }
    if (c === "{" && template[i + 1] === "{") {
      text += "{";
      i++;
    } else if (c === "}" && template[i + 1] === "}") {
      text += "}";
      i++;
    } else if (c === "}") {
      return fail(`'}' at offset ${i} closes no placeholder (write '}}' for a literal brace)`, i);
    } else if (c === "{") {
      const close = template.indexOf("}", i + 1);
      if (close < 0) return fail(`placeholder at offset ${i} is not closed with '}'`, i);
      const inside = template.slice(i + 1, close);
      const match = PLACEHOLDER.exec(inside);
      if (!match) {
        return fail(
          `'{${inside}}' is not a placeholder: write a port name or 'var.' and a variable name between braces (or '{{' for a literal brace)`,
          i,
        );
      }
      const kind = match[1] ? "var" : "port";
      const name = match[2]!;
      flushText();
      (parts ??= []).push({ kind, name });
      placeholders.push({ kind, name, offset: i, end: close + 1 });
      i = close;
    } else {
      text += c;
    }
  }
  if (quote) return fail(`quote ${quote.char} at offset ${quote.offset} is not closed`, quote.offset);
  endWord();
  if (words.length === 0) return fail("the command line is empty", 0);
  return { ok: true, words, placeholders };
}

/** Joins neighbouring text parts (`'a''b'` is one text `ab`) so each word renders simply. */
function mergeText(parts: readonly TemplatePart[]): TemplatePart[] {
  const merged: TemplatePart[] = [];
  for (const part of parts) {
    const last = merged[merged.length - 1];
    if (part.kind === "text" && last?.kind === "text")
      merged[merged.length - 1] = { kind: "text", text: last.text + part.text };
    else merged.push(part);
  }
  return merged;
}

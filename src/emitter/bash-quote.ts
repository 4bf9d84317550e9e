/**
 * Quoting of literal text (template words, spec-given paths and defaults) for generated bash.
 * Values known only at run time are never spliced into bash text: they live in variables.
 */

const BARE = /^[A-Za-z0-9_@%+=:,./-]+$/;
// Control characters cannot be written readably (or safely for editors) inside '...'.
const CONTROL = /[\u0000-\u001f\u007f]/;

// `$` and backquotes are as literal in '...' as anywhere, but shellcheck (SC2016) suspects a
// forgotten expansion there; $'...' says "literal" to readers and to shellcheck alike.
const LOOKS_EXPANDED = /[$`]/;

/** A bash word that expands to exactly `text`, with no expansion of any kind. */
export function bashQuote(text: string): string {
  if (BARE.test(text)) return text;
  if (!CONTROL.test(text) && !LOOKS_EXPANDED.test(text)) return `'${text.replaceAll("'", `'\\''`)}'`;
  return `$'${[...text].map(ansiC).join("")}'`;
}

function ansiC(c: string): string {
  switch (c) {
    case "\\":
      return "\\\\";
    case "'":
      return "\\'";
    case "\n":
      return "\\n";
    case "\t":
      return "\\t";
    case "\r":
      return "\\r";
  }
  const code = c.codePointAt(0)!;
  return code < 0x20 || code === 0x7f ? `\\x${code.toString(16).padStart(2, "0")}` : c;
}

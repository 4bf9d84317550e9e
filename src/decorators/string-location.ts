/** Where a piece of a string argument is in the source, so a diagnostic underlines just that piece. */
import { getSourceLocation, type DiagnosticTarget, type SourceLocation } from "@typespec/compiler";

/**
 * The location of `text[offset, end)` inside its string literal, when the literal's source text is
 * the string itself between quotes (no escapes); otherwise undefined.
 */
export function inString(
  node: DiagnosticTarget,
  text: string,
  offset: number,
  end: number,
): SourceLocation | undefined {
  // Only a syntax node (a number `kind`) has the literal's own source text.
  if (!("kind" in node) || typeof node.kind !== "number" || !("pos" in node)) return undefined;
  const location = getSourceLocation(node);
  if (!location || location.isSynthetic) return undefined;
  const source = location.file.text.slice(location.pos, location.end);
  if (source !== `"${text}"`) return undefined;
  return { file: location.file, pos: location.pos + 1 + offset, end: location.pos + 1 + end };
}

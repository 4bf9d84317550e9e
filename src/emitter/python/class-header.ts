/**
 * A `class` line as `ruff format` leaves it (upstream formats its stubs with ruff, line length 88).
 * The only lines of a stubs file that ruff re-wraps: the others carry `# fmt: skip` or cannot be
 * split. Checked against ruff 0.17: the bases' parentheses are split first when what comes before
 * them fits; otherwise the type parameters are, one per line with a trailing comma when there are
 * several.
 */
const LINE_LENGTH = 88;
const INDENT = "    ";

export function classHeader(name: string, typeParams: readonly string[], bases: readonly string[]): string {
  const params = typeParams.map((p) => `${p}: PType`);
  const head = params.length > 0 ? `class ${name}[${params.join(", ")}]` : `class ${name}`;
  const basesText = bases.join(", ");
  const oneLine = `${head}(${basesText}):`;
  if (oneLine.length <= LINE_LENGTH) return oneLine;
  if (params.length === 0 || `${head}(`.length <= LINE_LENGTH) return `${head}(\n${INDENT}${basesText}\n):`;
  const paramLines = params.length === 1 ? [`${INDENT}${params[0]}`] : params.map((p) => `${INDENT}${p},`);
  return [`class ${name}[`, ...paramLines, `](${basesText}):`].join("\n");
}

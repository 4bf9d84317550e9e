/**
 * The real TypeSpec compiler with this library loaded from `dist/` (build first: `npm test` does).
 */
import { getSourceLocation, resolvePath, type Diagnostic } from "@typespec/compiler";
import { createTester } from "@typespec/compiler/testing";
import { expect } from "vitest";

export const repoRoot = resolvePath(import.meta.dirname, "../..");

export const Tester = createTester(repoRoot, { libraries: ["typespec-workers"] })
  .importLibraries()
  .using("Workers");

export const EmitTester = Tester.emit("typespec-workers");

/** Marks an expected diagnostic position in test source. */
export const HERE = "┆";

/**
 * Compiles `source` (positions marked with `┆`) and expects exactly one diagnostic with `code`
 * at each marker (in any order). Returns the diagnostics for further checks.
 */
export async function expectDiagnosticsAt(source: string, code: string): Promise<readonly Diagnostic[]> {
  const parts = source.split(HERE);
  const clean = parts.join("");
  const positions: number[] = [];
  let offset = 0;
  for (const part of parts.slice(0, -1)) positions.push((offset += part.length));
  const diagnostics = await Tester.diagnose(clean);
  const matching = diagnostics.filter((d) => d.code === code);
  expect(
    matching.map((d) => d.message),
    `diagnostics: ${diagnostics.map((d) => `${d.code}: ${d.message}`).join("\n")}`,
  ).toHaveLength(positions.length);
  // The tester wraps the source (imports, `using`): positions count from where our text starts.
  const at = matching.map((d) => {
    const location = getSourceLocation(d.target);
    return location ? location.pos - location.file.text.indexOf(clean) : undefined;
  });
  expect([...at].sort((a, b) => (a ?? -1) - (b ?? -1))).toEqual(positions);
  return diagnostics;
}

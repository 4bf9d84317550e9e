// The builder's typing: the positive fixture compiles under `tsc --strict`; the negative fixture
// compiles only with its `@ts-expect-error` markers, and without them fails at exactly those lines.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const fixtures = join(root, "test/graph/fixtures");
const out = join(root, "test/.out/graph/types");
const tsc = join(root, "node_modules/typescript/bin/tsc");
const options = {
  noEmit: true,
  strict: true,
  target: "ES2023",
  module: "NodeNext",
  moduleResolution: "NodeNext",
  skipLibCheck: true,
  types: ["node"],
};

/**
 * `tsc --strict` on one file. The fixture workers' generated stubs import `typespec-workers/runtime`;
 * it is mapped to the sources, as the graph builder is, so that both share one declaration of each type.
 */
function compile(file: string): { ok: boolean; output: string } {
  mkdirSync(out, { recursive: true });
  const config = join(out, `tsconfig.${basename(file, ".ts")}.json`);
  writeFileSync(
    config,
    JSON.stringify({
      compilerOptions: {
        ...options,
        paths: {
          "typespec-workers/runtime": [join(root, "src/runtime/index.ts")],
          "typespec-workers/graph": [join(root, "src/graph/index.ts")],
        },
      },
      files: [file],
    }),
  );
  try {
    execFileSync(process.execPath, [tsc, "-p", config], { cwd: root, encoding: "utf8", stdio: "pipe" });
    return { ok: true, output: "" };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    return { ok: false, output: `${err.stdout ?? ""}${err.stderr ?? ""}` };
  }
}

describe("graph builder types", () => {
  it("compiles the positive fixture and the marked negative fixture", () => {
    const result = compile(join(fixtures, "typed-graph.ts"));
    expect(result.output).toBe("");
    const marked = compile(join(fixtures, "negative-graph.ts"));
    expect(marked.output).toBe("");
  });

  it("fails at every marked line once the markers are removed", () => {
    mkdirSync(out, { recursive: true });
    const text = readFileSync(join(fixtures, "negative-graph.ts"), "utf8");
    const lines = text.split("\n");
    const expected: number[] = [];
    const stripped = lines.map((line, i) => {
      if (line.trim().startsWith("// @ts-expect-error")) {
        expected.push(i + 2); // the line after the marker, 1-based
        return "// (marker removed)";
      }
      return line.replaceAll('"../../../src/', `"${root}/src/`).replace('"./stubs.js"', `"${fixtures}/stubs.js"`);
    });
    const file = join(out, "negative.ts");
    writeFileSync(file, stripped.join("\n"));
    const result = compile(file);
    expect(result.ok).toBe(false);
    const errorLines = [...result.output.matchAll(/negative\.ts\((\d+),\d+\): error/g)].map((m) => Number(m[1]));
    expect([...new Set(errorLines)].sort((a, b) => a - b)).toEqual(expected);
    expect(expected.length).toBeGreaterThanOrEqual(14);
  });
});

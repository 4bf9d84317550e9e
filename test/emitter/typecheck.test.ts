import { cpSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { bin, projectFromFixture, run, scratchDir, tspCompile } from "../support/project.js";
import { repoRoot } from "../support/tester.js";

/**
 * Generated stubs together with graph-author files under `tsc --strict`: the good file passes,
 * each bad file fails exactly on the line marked `expect-error TSxxxx`.
 */
let dir: string;
let diagnostics: { file: string; line: number; code: string; text: string }[];

beforeAll(async () => {
  dir = scratchDir("typecheck");
  for (const fixture of ["openssl", "all-types"]) {
    const project = projectFromFixture(fixture);
    const result = await tspCompile(project);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    cpSync(join(project, "tsp-output/typespec-workers"), join(dir, "workers"), { recursive: true });
  }
  cpSync(join(repoRoot, "test/fixtures/authors"), dir, { recursive: true });
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        target: "ES2023",
        lib: ["ES2023"],
        module: "NodeNext",
        moduleResolution: "NodeNext",
        types: [],
      },
      include: ["**/*.ts"],
    }),
  );
  const result = await run(join(bin, "tsc"), ["-p", "."], dir);
  diagnostics = [...result.stdout.matchAll(/^(.+?)\((\d+),\d+\): error (TS\d+): (.*)$/gm)].map((m) => ({
    file: m[1]!,
    line: Number(m[2]),
    code: m[3]!,
    text: m[4]!,
  }));
}, 120_000);

function expectedErrors(file: string): { line: number; code: string }[] {
  return readFileSync(join(dir, file), "utf8")
    .split("\n")
    .flatMap((text, i) => [...text.matchAll(/expect-error (TS\d+)/g)].map((m) => ({ line: i + 1, code: m[1]! })));
}

describe("generated stubs under tsc --strict", () => {
  it("type-check with no error, together with a graph author's file", () => {
    const inGood = diagnostics.filter((d) => d.file.startsWith("workers/") || d.file === "ok.ts");
    expect(inGood).toEqual([]);
  });

  it.each(["wrong-type.ts", "missing-port.ts", "wrong-handler.ts"])("reject %s on the marked line", (file) => {
    const expected = expectedErrors(file);
    expect(expected.length).toBeGreaterThan(0);
    const actual = diagnostics.filter((d) => d.file === file).map(({ line, code }) => ({ line, code }));
    expect(actual).toEqual(expected);
  });

  it("pass prettier --check", async () => {
    const stubs = readdirSync(join(dir, "workers")).map((w) => join("workers", w, "stubs.ts"));
    // Prettier's defaults, as in a project of the user's without a prettier configuration (this
    // folder lies inside the repository, whose own configuration and ignore files would apply).
    const result = await run(
      join(bin, "prettier"),
      ["--check", "--no-config", "--ignore-path", "/dev/null", ...stubs],
      dir,
    );
    expect(result.code, result.stdout + result.stderr).toBe(0);
  });
});

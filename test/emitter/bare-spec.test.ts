import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bin, projectFromFixture, run, tspCompile } from "../support/project.js";
import { repoRoot } from "../support/tester.js";

const cli = join(repoRoot, "dist/src/cli/main.js");

describe("Tierkreis spec files (no import, no using)", () => {
  it("compile unchanged with `typespec-workers compile` and give the same stubs as the imported form", async () => {
    const bare = projectFromFixture("tierkreis-bare");
    const original = readFileSync(join(bare, "main.tsp"), "utf8");
    const result = await run(join(bin, "node"), [cli, "compile", "main.tsp", "-o", "workers"], bare);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(readFileSync(join(bare, "main.tsp"), "utf8")).toBe(original);

    const imported = projectFromFixture("tierkreis-bare");
    writeFileSync(join(imported, "main.tsp"), `import "typespec-workers";\nusing Workers;\n${original}`);
    expect((await tspCompile(imported)).code).toBe(0);

    const stubs = readFileSync(join(bare, "workers/openssl_worker/stubs.ts"), "utf8");
    expect(stubs).toContain('export const opensslWorker = worker("openssl_worker", {');
    expect(stubs).toMatch(/genrsa: \{\n {4}inputs: \{ .* \},\n {4}outputs: \{/);
    expect(stubs).toBe(readFileSync(join(imported, "tsp-output/typespec-workers/openssl_worker/stubs.ts"), "utf8"));
  });

  it("reports errors at their line and column in the file as written", async () => {
    const bare = projectFromFixture("tierkreis-bare");
    writeFileSync(
      join(bare, "main.tsp"),
      readFileSync(join(bare, "main.tsp"), "utf8").replace("numbits: integer", "numbits: decimal"),
    );
    const result = await run(join(bin, "node"), [cli, "compile", "main.tsp", "-o", "workers"], bare);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/main\.tsp:9:38 - error typespec-workers\/unsupported-type/);
  });

  it("accept upstream's `bool` (TypeSpec's `boolean`), unless the spec declares its own", async () => {
    const bare = projectFromFixture("tierkreis-bare");
    writeFileSync(join(bare, "main.tsp"), "interface w {\n  check(strict: bool): bool;\n}\n");
    const result = await run(join(bin, "node"), [cli, "compile", "main.tsp", "-o", "workers"], bare);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(readFileSync(join(bare, "workers/w/stubs.ts"), "utf8")).toContain(
      "check: {\n    inputs: { strict: t.boolean },\n    output: t.boolean,\n  },",
    );
    expect(readFileSync(join(bare, "workers/w/stubs.py"), "utf8")).toContain(
      "    strict: TKR[bool]  # noqa: F821 # fmt: skip\n",
    );

    writeFileSync(
      join(bare, "main.tsp"),
      "model bool {\n  b: string;\n}\ninterface w {\n  check(strict: bool): bool;\n}\n",
    );
    const own = await run(join(bin, "node"), [cli, "compile", "main.tsp", "-o", "workers"], bare);
    expect(own.code, own.stdout + own.stderr).toBe(0);
    expect(readFileSync(join(bare, "workers/w/stubs.py"), "utf8")).toContain("class bool(Struct, Protocol):");
  });
});

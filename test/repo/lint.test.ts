// The repository's own code passes ESLint (eslint.config.js: typescript-eslint's recommended rules,
// the few turned off say why), with no warning either: `npm run lint` shows the findings.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../support/tester.js";

describe("repository lint", () => {
  it("eslint reports nothing (npm run lint)", () => {
    const eslint = join(repoRoot, "node_modules/eslint/bin/eslint.js");
    const r = spawnSync(process.execPath, [eslint, "--max-warnings", "0", "."], { cwd: repoRoot, encoding: "utf8" });
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  }, 300_000);
});

// The repository's own code is formatted as its configuration says (.prettierrc.json, width 120;
// .prettierignore leaves out generated and expected files), so a diff shows changes, not layout.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../support/tester.js";

describe("repository formatting", () => {
  it("every file prettier covers is formatted (npm run format fixes it)", () => {
    const r = spawnSync(process.execPath, [join(repoRoot, "node_modules/prettier/bin/prettier.cjs"), "--check", "."], {
      cwd: repoRoot,
      encoding: "utf8",
    });
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });
});

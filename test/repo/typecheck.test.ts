import { join } from "node:path";
import { expect, it } from "vitest";
import { bin, run } from "../support/project.js";
import { repoRoot } from "../support/tester.js";

it("the whole repository type-checks: sources, tests, and the decorator signatures tspd generated", async () => {
  const result = await run(join(bin, "tsc"), ["--noEmit", "-p", "tsconfig.json"], repoRoot);
  expect(result.stdout + result.stderr).toBe("");
  expect(result.code).toBe(0);
}, 180_000);

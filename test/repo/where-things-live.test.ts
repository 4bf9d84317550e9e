// The README's "Where things live" table names real files: after a move, this test says which
// line to update.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { repoRoot } from "../support/tester.js";

it("every path in the README's 'Where things live' table exists", () => {
  const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
  const section = /### Where things live\n([\s\S]*?)\n###? /.exec(readme)?.[1];
  expect(section, "README.md has a 'Where things live' section").toBeDefined();
  const paths = [...section!.matchAll(/`((?:src|lib|schema|generated-defs)\/[^`<>*]+)`/g)].map((m) => m[1]!);
  expect(paths.length).toBeGreaterThan(30);
  expect(paths.filter((p) => !existsSync(join(repoRoot, p)))).toEqual([]);
});

// scripts/move-files.mjs, on a real git repository: moved files keep their history (git sees
// renames) and every relative import that pointed at them, or out of them, still resolves.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { expect, it } from "vitest";
import { repoRoot } from "../support/tester.js";

const dir = join(repoRoot, "test", ".out", "move-files");
const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, encoding: "utf8" });

/** Writes a source file with a body long enough for git to see its move as a rename, not a new file. */
function write(path: string, text: string): void {
  mkdirSync(dirname(join(dir, path)), { recursive: true });
  writeFileSync(join(dir, path), text + BODY);
}

const BODY = Array.from({ length: 10 }, (_, i) => `export const line${i} = ${i};\n`).join("");

it("moves files and folders with git mv and rewrites the imports to and from them", () => {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  git("init", "-q");
  write("src/spec/model.ts", 'import { t } from "../contract-old/types.js";\nexport type M = typeof t;\n');
  write("src/contract-old/types.ts", "export const t = 1;\n");
  write("src/contract-old/codec.ts", 'export * from "./types.js";\n');
  write(
    "src/emitter/emit.ts",
    'import type { M } from "../spec/model.js";\nconst c = await import("../contract-old/codec.js");\n' +
      '// see "../spec/model.js"\nexport type E = M;\nexport { c };\n',
  );
  writeFileSync(join(dir, "README.md"), "The model is in `src/spec/model.ts`.\n");
  git("add", "-A");
  git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "base");

  const out = execFileSync(
    process.execPath,
    [
      join(repoRoot, "scripts", "move-files.mjs"),
      "src/spec/=src/model/",
      "src/contract-old/types.ts=src/contract/types.ts",
      "src/contract-old/=src/runtime/",
    ],
    { cwd: dir, encoding: "utf8" },
  );

  expect(readFileSync(join(dir, "src/emitter/emit.ts"), "utf8")).toBe(
    'import type { M } from "../model/model.js";\nconst c = await import("../runtime/codec.js");\n' +
      '// see "../spec/model.js"\nexport type E = M;\nexport { c };\n' +
      BODY,
  );
  expect(readFileSync(join(dir, "src/model/model.ts"), "utf8")).toContain('from "../contract/types.js"');
  expect(readFileSync(join(dir, "src/runtime/codec.ts"), "utf8")).toBe(
    'export * from "../contract/types.js";\n' + BODY,
  );
  git("add", "-A");
  expect(
    git("diff", "--cached", "-M", "--name-status")
      .split("\n")
      .filter((l) => l.startsWith("R")),
  ).toHaveLength(3);
  // A path in prose is listed for a person, not rewritten.
  expect(out).toContain("README.md:1:");

  // A file written against the old tree (as a merge brings in) is fixed by --imports-only.
  write("src/emitter/late.ts", 'import { t } from "../contract-old/types.js";\nimport "../spec/model.js";\n');
  execFileSync(
    process.execPath,
    [
      join(repoRoot, "scripts", "move-files.mjs"),
      "--imports-only",
      "src/spec/=src/model/",
      "src/contract-old/types.ts=src/contract/types.ts",
      "src/contract-old/=src/runtime/",
    ],
    { cwd: dir, encoding: "utf8" },
  );
  expect(readFileSync(join(dir, "src/emitter/late.ts"), "utf8")).toBe(
    'import { t } from "../contract/types.js";\nimport "../model/model.js";\n' + BODY,
  );
});

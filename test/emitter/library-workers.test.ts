// Workers shared as an npm TypeSpec library: emitted only when the project names the library in
// `library-workers`; a compile that emits no worker says so instead of writing nothing silently.
import { cpSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { scratchDir, tspCompile } from "../support/project.js";
import { repoRoot } from "../support/tester.js";

let project: string;

beforeAll(() => {
  project = scratchDir("library-workers");
  cpSync(join(repoRoot, "test/fixtures/library-workers/project"), project, { recursive: true });
  // The library is installed in the project, and it finds typespec-workers as a project would.
  mkdirSync(join(project, "node_modules"));
  cpSync(join(repoRoot, "test/fixtures/library-workers/my-tools"), join(project, "node_modules/my-tools"), {
    recursive: true,
  });
  symlinkSync(repoRoot, join(project, "node_modules/typespec-workers"));
});

function config(extra: string): void {
  writeFileSync(
    join(project, "tspconfig.yaml"),
    `emit:\n  - typespec-workers\noptions:\n  typespec-workers:\n    emitter-output-dir: "{project-root}/workers"\n${extra}`,
  );
}

describe("workers declared in a library", () => {
  it("are not emitted by default, and the compile warns that it emitted no worker", async () => {
    config("");
    const r = await tspCompile(project, []);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toContain("typespec-workers/no-workers");
    expect(existsSync(join(project, "workers/gzip_worker"))).toBe(false);
  });

  it("are emitted when the project names the library in library-workers", async () => {
    config("    library-workers:\n      - my-tools\n");
    const r = await tspCompile(project, []);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout + r.stderr).not.toContain("no-workers");
    for (const f of ["stubs.ts", "main.sh", "worker.json"])
      expect(existsSync(join(project, "workers/gzip_worker", f)), f).toBe(true);
  });
});

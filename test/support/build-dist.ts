/**
 * Vitest global setup: build dist/ once, before any test file runs. The TypeSpec tester loads the
 * library from dist/, and several tests run the built package in child processes. (Building in
 * each such file instead rewrote dist/ while other files' children were importing it.)
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";

export default function buildDist(): void {
  const repo = join(import.meta.dirname, "../..");
  try {
    execFileSync(process.execPath, [join(repo, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"], {
      cwd: repo,
      stdio: "pipe",
    });
  } catch {
    // tsc emits even when a file has a type error; the repository type-check test reports it.
  }
  // Non-TypeScript files the compiled code reads (the launcher runtime, ...), as `npm run build`.
  execFileSync(process.execPath, [join(repo, "scripts/copy-assets.mjs")], { cwd: repo, stdio: "pipe" });
}

/** The built `typespec-workers` command, run to its end as a user would. */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { repoRoot } from "./tester.js";

export const cliPath = join(repoRoot, "dist/src/cli/main.js");

export function tw(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cliPath, ...args], { encoding: "utf8", timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

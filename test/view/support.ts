// Helpers for the viewer tests: a finished run of the fixture graph (map, eval, loop, ifElse),
// the built CLI with its page files, and waiting without timed assertions.
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run, type RunEvent } from "../../src/graph/index.js";
import { mathImpl } from "../graph/fixtures/math-impl.js";
import { main as mainGraph } from "../graph/fixtures/typed-graph.js";
import { repoRoot } from "../support/tester.js";

export const tempDir = (prefix = "tw-view-") => mkdtempSync(join(tmpdir(), prefix));

/** Runs the fixture graph to its end in-process; gives the run directory and the events. */
export async function fixtureRun(root = tempDir(), workflowId = "wf") {
  const events: RunEvent[] = [];
  await run(
    mainGraph,
    { xs: [1, 2, 3], flag: false },
    { root, workflowId, executors: { default: mathImpl }, onEvent: (e) => events.push(e) },
  );
  return { root, runDir: join(root, workflowId), events };
}

export async function resumeFixture(runDir: string) {
  const { resume } = await import("../../src/graph/index.js");
  const events: RunEvent[] = [];
  const outcome = await resume(runDir, { executors: { default: mathImpl }, onEvent: (e) => events.push(e) });
  return { outcome, events };
}

/** The global test setup builds with tsc only: the CLI also needs its page files in dist/. */
export function copyAssets(): void {
  execFileSync(process.execPath, [join(repoRoot, "scripts/copy-assets.mjs")]);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `test` until it holds; fails naming `what` after many tries (a bound, not a timing claim). */
export async function until(what: string, test: () => boolean | Promise<boolean>, tries = 1000): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await test()) return;
    await sleep(30);
  }
  throw new Error(`gave up waiting for ${what}`);
}

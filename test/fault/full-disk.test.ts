// A full disk (issue 9 #7), on a real tiny file system: a tmpfs of 256 KiB. The failure names the
// task and the file, no partial value is left where a finished one would be, and once space is
// freed (the tmpfs is made bigger) resume finishes the run.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { graph, resume, run, TaskFailedError } from "../../src/graph/index.js";
import { t, worker } from "../../src/runtime/index.js";
import { defineWorker } from "../../src/runtime/sdk.js";

const mountPoint = mkdtempSync(join(tmpdir(), "tw-full-"));
const mountFailure = (() => {
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=256k", "tmpfs", mountPoint], { stdio: "pipe" });
    return undefined;
  } catch (e) {
    return `cannot mount a tmpfs (needs root or CAP_SYS_ADMIN): ${String((e as { stderr?: Buffer }).stderr ?? e).trim()}`;
  }
})();
if (mountFailure) console.warn(`full-disk tests skipped: ${mountFailure}`);

afterAll(() => {
  if (!mountFailure) execFileSync("umount", [mountPoint]);
  rmSync(mountPoint, { recursive: true, force: true });
});

const filler = worker("filler", { big: { inputs: { kb: t.int32 }, output: t.string } });
const big = filler.tasks.big;
const fillerImpl = defineWorker(filler, { big: ({ kb }) => "x".repeat(kb * 1024) });

/** Every file under `dir` (recursively), relative. */
function allFiles(dir: string, prefix = ""): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? allFiles(join(dir, d.name), `${prefix}${d.name}/`) : [`${prefix}${d.name}`],
  );
}

describe.skipIf(mountFailure !== undefined)("full disk", () => {
  it("names the task and the file, leaves no partial value, and resume finishes once space is freed", async () => {
    const root = join(mountPoint, "runs");
    const body = graph({ inputs: { kb: t.int32 }, output: t.string });
    body.output(body.task(big({ kb: body.inputs.kb })));
    const g = graph({ inputs: { kbs: t.list(t.int32) }, output: t.list(t.string) });
    g.output(g.map(body, { kb: g.each(g.inputs.kbs) }));
    const kbs = [60, 60, 60, 60, 60, 60];

    const error = await run(
      g,
      { kbs },
      { root, workflowId: "wf", executors: { default: fillerImpl }, concurrency: 1 },
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TaskFailedError);
    const failed = error as TaskFailedError;
    expect(failed.task).toBe("filler.big");
    expect(failed.loc).toMatch(/^-\.N\d+\.M\d\.N\d+$/);
    // The file, and the reason.
    expect(failed.message).toContain(`cannot write ${join(root, "wf", failed.loc, "outputs", "value")}`);
    expect(failed.message).toMatch(/ENOSPC|no space left/);
    expect(failed.message).toMatch(new RegExp(`^task filler.big at ${failed.loc.replace(/\./g, "\\.")} failed`));

    // A value file is whole or absent; no temporary files are left behind.
    const wf = join(root, "wf");
    for (const f of allFiles(wf)) {
      expect(f).not.toMatch(/\.tmp-/);
      if (/\.M\d\.N\d+\/outputs\/value$/.test(f)) expect([f, statSync(join(wf, f)).size]).toEqual([f, 60 * 1024 + 2]);
    }

    execFileSync("mount", ["-o", "remount,size=4m", mountPoint]);
    const outcome = await resume(wf, { executors: { default: fillerImpl } });
    expect((outcome.value as string[]).map((s) => s.length)).toEqual(kbs.map((k) => k * 1024));
    expect(outcome.tasksCached).toBeGreaterThanOrEqual(1);
    rmSync(root, { recursive: true, force: true });
    execFileSync("mount", ["-o", "remount,size=256k", mountPoint]);
  });

  it("names the built-in task and the file when a list cannot be unfolded", async () => {
    const root = join(mountPoint, "runs2");
    const body = graph({ inputs: { s: t.string }, output: t.string });
    body.output(body.inputs.s);
    const g = graph({ inputs: { ss: t.list(t.string) }, output: t.list(t.string) });
    g.output(g.map(body, { s: g.each(g.inputs.ss) }));
    // The input fits (~150 KiB); its unfolded copy does not.
    const ss = Array.from({ length: 5 }, (_, i) => String(i).repeat(30 * 1024));
    const error = await run(g, { ss }, { root, workflowId: "wf" }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(
      /^task builtins.unfold_values at -\.N\d+ failed: cannot write .*\/outputs\/\d: .*(ENOSPC|no space left)/,
    );
    const wf = join(root, "wf");
    for (const f of allFiles(wf)) expect(f).not.toMatch(/\.tmp-/);
    execFileSync("mount", ["-o", "remount,size=4m", mountPoint]);
    expect((await resume(wf)).value).toEqual(ss);
    expect(readFileSync(join(wf, "-", "outputs", "value"), "utf8").length).toBeGreaterThan(5 * 30 * 1024);
    rmSync(root, { recursive: true, force: true });
    execFileSync("mount", ["-o", "remount,size=256k", mountPoint]);
  });
});

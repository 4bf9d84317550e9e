// A time limit given at run time wins over the spec's @timeout, which the generated launcher also
// enforces; and whichever of the two stops a task, the reason reads the same.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { tw } from "../support/cli.js";
import { taskModule, tempDir } from "./support.js";

let dir: string;
let workers: string;
let mod: string;

beforeAll(() => {
  dir = tempDir();
  workers = join(dir, "workers");
  const spec = join(dir, "sleepy.tsp");
  writeFileSync(
    spec,
    // A bare spec (no import): the compile command adds the library, as for a Tierkreis schema.
    `interface w {
  /** Sleeps, then writes "slept". */
  @timeout(1)
  @command("bash -c 'sleep \\"$0\\"; printf slept >\\"$1\\"' {seconds} {value}")
  sleepy(seconds: int32): bytes;
}
`,
  );
  const c = tw("compile", spec, "-o", workers);
  expect(c.stderr).toBe("");
  expect(c.status).toBe(0);
  mod = taskModule(dir, "sleepy", { worker: "w", task: "sleepy", inputs: { seconds: "int32" }, output: "bytes" });
}, 120_000);

const sleep = (seconds: number, ...flags: string[]) =>
  tw(
    "run",
    mod,
    "-w",
    workers,
    "-i",
    JSON.stringify({ seconds }),
    "--root",
    join(dir, "runs"),
    "--no-progress",
    ...flags,
  );

describe("time limits", () => {
  it("--task-timeout for the task overrides @timeout, in the launcher too", () => {
    const r = sleep(2, "--task-timeout", "w.sleepy=30");
    expect(r.stderr).not.toContain("timed out");
    expect([r.status, r.stdout]).toEqual([0, '{\n  "bytes": "slept"\n}\n']);
  });

  it("--task-timeout for the worker overrides @timeout", () => {
    const r = sleep(2, "--task-timeout", "w=30");
    expect([r.status, r.stdout]).toEqual([0, '{\n  "bytes": "slept"\n}\n']);
  });

  it("--timeout (the run's default) does not override @timeout, and the reason is the controller's words", () => {
    const r = sleep(5, "--timeout", "30");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("error: task w.sleepy at -.N1 failed: timed out after 1 s\n");
  });

  it("the same reason when the launcher stops the task (its limit unknown to the controller)", () => {
    // The launcher alone, as a file `<dir>/w`: no worker.json beside it, so only the launcher
    // knows the @timeout and only it can stop the task.
    const alone = join(dir, "alone");
    mkdirSync(alone, { recursive: true });
    copyFileSync(join(workers, "w", "main.sh"), join(alone, "w"));
    const r = tw("run", mod, "-w", alone, "-i", '{"seconds": 5}', "--root", join(dir, "runs"), "--no-progress");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("error: task w.sleepy at -.N1 failed: timed out after 1 s\n");
  });

  it("the same reason whichever side stops the task, run after run", () => {
    // Controller and launcher both stop the task at 1 s: either may come first.
    for (let i = 0; i < 2; i++) {
      const r = sleep(5);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain("error: task w.sleepy at -.N1 failed: timed out after 1 s\n");
      const runDir = /run directory: (.*)\n/.exec(r.stderr)![1]!;
      const s = tw("status", runDir);
      expect(s.stdout).toContain("✗ failed  w.sleepy -.N1");
      expect(readFileSync(join(runDir, "-", "errors"), "utf8")).toContain("w.sleepy: timed out after 1 s");
    }
  });
});

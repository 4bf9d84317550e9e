/**
 * Ctrl-C for real: a separate Node process submits jobs through SlurmExecutor and gets SIGINT.
 * Its jobs must be cancelled and the process must still end by the signal, as without us.
 */
import { execFileSync, spawn } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { jobStates, liveJobs, sandbox, startCluster, waitFor } from "./cluster.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const cluster = startCluster();

describe.skipIf(!cluster.up)("interrupting a program with jobs on Slurm", () => {
  it("cancels its pending and running jobs on SIGINT, and the process still dies of SIGINT", async () => {
    const box = sandbox("sigint");
    const child = spawn(
      process.execPath,
      [join(repo, "test/slurm/fixtures/interrupt-child.mjs"), repo, box.root, box.workersDir, "3"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
      child.on("exit", (code, signal) => done({ code, signal })),
    );
    const jobs = () => [...stdout.matchAll(/^submitted (\d+)$/gm)].map((m) => m[1]!);
    try {
      await waitFor(
        "three jobs, one running",
        () => jobs().length === 3 && [...jobStates(jobs()).values()].includes("RUNNING"),
        60_000,
      );
      child.kill("SIGINT");
      expect(await ended).toEqual({ code: null, signal: "SIGINT" });
      expect(liveJobs(jobs())).toEqual([]);
      expect(stderr).toContain(`typespec-workers: cancelled Slurm jobs ${jobs().join(", ")}`);
    } finally {
      // Whatever failed above, leave neither the child nor its jobs behind.
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT");
      await ended;
      if (jobs().length > 0 && liveJobs(jobs()).length > 0) execFileSync("scancel", jobs());
    }
  }, 120_000);
});

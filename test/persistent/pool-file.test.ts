// Long-lived kinds chosen in the worker pool file, as a user runs them: `typespec-workers run
// graph.ts` picks up workers.yaml beside the graph, runs a persistent worker and a service in one
// run, and `status` tells which kind ran each task.
import { spawnSync } from "node:child_process";
import { copyFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { cliPath } from "../support/cli.js";
import { childEnv } from "../support/project.js";
import { fixtures, persistentProject } from "./support.js";

let project: string;

beforeAll(async () => {
  project = await persistentProject();
  copyFileSync(join(fixtures, "kv_service.ts"), join(project, "workers/kv_worker/main.ts"));
  copyFileSync(join(fixtures, "kv_server.py"), join(project, "kv_server.py"));
  copyFileSync(join(fixtures, "pool-graph.ts"), join(project, "graph.ts"));
  copyFileSync(join(fixtures, "workers.yaml"), join(project, "workers.yaml"));
}, 120_000);

function tw(...args: string[]) {
  return spawnSync(process.execPath, [cliPath, ...args], {
    cwd: project,
    env: childEnv,
    encoding: "utf8",
    timeout: 180_000,
  });
}

describe("persistent and service kinds in workers.yaml", () => {
  it("runs both from the file with no flag, and status shows the kind of each task", () => {
    const r = tw(
      "run",
      "graph.ts",
      "-i",
      JSON.stringify({ xs: [1, 2, 3], text: "h\u00e9" }),
      "--root",
      "runs",
      "--no-progress",
    );
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ sums: [2, 3, 4], text: "h\u00e9" });
    const runDir = /run directory: (\S+)/.exec(r.stderr)?.[1];
    expect(runDir).toBeTruthy();
    const s = tw("status", runDir!);
    expect(s.status, s.stderr).toBe(0);
    // Three map elements on the persistent worker; put and get on the service.
    expect(s.stdout).toContain("ran by: 3 persistent, 2 service");
  });

  it("refuses a setting that does not belong to the kind, at its line, before anything runs", () => {
    writeFileSync(
      join(project, "bad.yaml"),
      "workers:\n  pw_worker: { kind: persistent, concurrency: 2 }\n  kv_worker: { kind: service, file: workers/kv_worker/main.ts, instances: 2 }\n",
    );
    const r = tw(
      "run",
      "graph.ts",
      "--config",
      "bad.yaml",
      "-i",
      JSON.stringify({ xs: [1], text: "x" }),
      "--root",
      "bad-runs",
    );
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("bad.yaml:2:");
    expect(r.stderr).toContain("'concurrency' applies to kind service, not persistent");
    expect(r.stderr).toContain("bad.yaml:3:");
    expect(r.stderr).toContain("'instances' applies to kind persistent, not service");
  });
});

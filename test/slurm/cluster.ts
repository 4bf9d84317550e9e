/**
 * Test helpers: start the single-node cluster (scripts/slurm/start.sh) once per test file, and
 * build checkpoint folders and hand-made launchers that follow the worker contract.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { TaskLaunch } from "../../src/graph/executor.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

export interface Cluster {
  readonly up: boolean;
  /** Why the cluster is not available (shown when tests skip). */
  readonly why?: string;
}

/** Start the cluster if needed. Never throws: tests skip with `why` when it cannot start. */
export function startCluster(): Cluster {
  const run = spawnSync("bash", [join(repo, "scripts/slurm/start.sh")], { encoding: "utf8", timeout: 600_000 });
  if (run.status === 0) return { up: true };
  const why = `Slurm tests skipped: scripts/slurm/start.sh could not start a cluster (exit ${run.status ?? run.signal}): ${(
    run.stderr ||
    run.error?.message ||
    ""
  )
    .trim()
    .split("\n")
    .slice(-3)
    .join(" | ")}`;
  console.warn(why);
  return { up: false, why };
}

/** State of jobs as squeue shows them now (`-t all`), by id. */
export function jobStates(ids: readonly string[]): Map<string, string> {
  const out = execFileSync("squeue", ["-h", "-r", "-t", "all", "-j", [...ids, ...ids].join(","), "-o", "%i|%T"], {
    encoding: "utf8",
  });
  return new Map(
    out
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((line) => line.split("|") as [string, string]),
  );
}

/** Jobs among `ids` still pending or running. */
export function liveJobs(ids: readonly string[]): string[] {
  return [...jobStates(ids)].filter(([, s]) => ["PENDING", "RUNNING", "CONFIGURING"].includes(s)).map(([id]) => id);
}

export async function waitFor<T>(what: string, probe: () => T | undefined | false, ms = 30_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A hand-made launcher following the contract (reads `$TKR_DIR/$1` with jq, writes outputs and
 * `_done`), with one task per behaviour the tests need.
 */
const LAUNCHER = `#!/bin/bash
set -euo pipefail
def="$TKR_DIR/$1"
fn=$(jq -r .function_name "$def")
input=$(jq -r '.inputs.value // empty' "$def")
output=$(jq -r '.outputs.value // empty' "$def")
case $fn in
  # Drains stdin first: a job must give a launcher nothing there (never the rest of a task list).
  upper) cat >/dev/null; tr a-z A-Z <"$TKR_DIR/$input" >"$TKR_DIR/$output" ;;
  # Exits without writing _done: the job script marks it, as upstream's launcher && touch _done.
  env) printf '%s|%s|%s|%s' "$TKR_DIR" "$function_name" "$output_value_file" "\${EXTRA_SETTING:-}" >"$output_value_file"; exit 0 ;;
  fail)
    echo "fail: the input was rejected" >&2
    printf 'bad input' >"$TKR_DIR/$(jq -r .error_path "$def")"
    exit 3 ;;
  sleep) echo "sleeping" >&2; sleep "$(cat "$TKR_DIR/$input")" ;;
  *) echo "unknown task $fn" >&2; exit 2 ;;
esac
touch "$TKR_DIR/$(jq -r .done_path "$def")"
`;

export interface Sandbox {
  readonly root: string;
  readonly workersDir: string;
  readonly workflowId: string;
  /** Write a task node (definition + input value) and return its launch. */
  launch(task: string, loc: string, input: string | undefined, extra?: Partial<TaskLaunch>): TaskLaunch;
}

export function sandbox(name: string, signal: AbortSignal = new AbortController().signal): Sandbox {
  const base = join(repo, "test/.out/slurm");
  mkdirSync(base, { recursive: true });
  const root = mkdtempSync(join(base, `${name}-`));
  const workersDir = join(root, "workers");
  mkdirSync(join(workersDir, "test_worker"), { recursive: true });
  writeFileSync(join(workersDir, "test_worker/main.sh"), LAUNCHER);
  chmodSync(join(workersDir, "test_worker/main.sh"), 0o755);
  const workflowId = "wf";
  return {
    root,
    workersDir,
    workflowId,
    launch(task, loc, input, extra = {}) {
      const nodeRel = `${workflowId}/${loc}`;
      const nodeDir = join(root, nodeRel);
      mkdirSync(join(nodeDir, "outputs"), { recursive: true });
      const inputs: Record<string, string> = {};
      if (input !== undefined) {
        mkdirSync(join(root, workflowId, `${loc}.in`), { recursive: true });
        writeFileSync(join(root, workflowId, `${loc}.in`, "value"), input);
        inputs.value = `${workflowId}/${loc}.in/value`;
      }
      const definition = {
        function_name: task,
        inputs,
        outputs: { value: `${nodeRel}/outputs/value` },
        output_dir: `${nodeRel}/outputs`,
        done_path: `${nodeRel}/_done`,
        error_path: `${nodeRel}/_error`,
        logs_path: null,
      };
      writeFileSync(join(nodeDir, "definition"), JSON.stringify(definition));
      return {
        worker: "test_worker",
        task,
        loc,
        root,
        workflowId,
        definitionPath: `${nodeRel}/definition`,
        nodeDir,
        signal,
        ...extra,
      };
    },
  };
}

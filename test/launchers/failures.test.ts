import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  baseEnv,
  buildFixture,
  freshDir,
  layoutNode,
  readResult,
  runLauncher,
  type BuiltWorker,
  type RunResult,
} from "./support.js";

let probe: BuiltWorker;
beforeAll(async () => {
  probe = (await buildFixture("probe")).probe!;
});

/**
 * Runs `bash -c <script> _ args...` in a session of its own and returns its result with the
 * session id, so that a test looks only at the processes it started, never at the whole machine.
 */
function inOwnSession(script: string, args: string[], env: NodeJS.ProcessEnv) {
  const sidFile = join(freshDir("session"), "sid");
  const result = spawnSync(
    "setsid",
    ["bash", "-c", 'echo $$ > "$1"; shift; exec bash -c "$@"', "_", sidFile, script, "_", ...args],
    { env, encoding: "utf8" },
  );
  return { result, session: Number(readFileSync(sidFile, "utf8")) };
}

/** The processes still running (zombies have ended) in `session`, waiting a little for them to go. */
async function leftIn(session: number): Promise<string[]> {
  const list = () =>
    spawnSync("ps", ["-s", String(session), "-o", "stat=,args="], { encoding: "utf8" })
      .stdout.split("\n")
      .filter((line) => line.trim() !== "" && !line.trim().startsWith("Z"));
  for (let i = 0; i < 100 && list().length > 0; i++) await new Promise((r) => setTimeout(r, 20));
  return list();
}

/** A failed task: non-zero exit, no `_done`, `_error` whose first line is `message`. */
function expectFailure(result: RunResult, message: string | RegExp): string {
  expect(result.status).not.toBe(0);
  expect(result.done).toBe(false);
  expect(result.error, `stderr: ${result.stderr}`).toBeDefined();
  const firstLine = result.error!.split("\n")[0]!;
  if (typeof message === "string") expect(firstLine).toBe(message);
  else expect(firstLine).toMatch(message);
  expect(result.stderr).toContain(`typespec-workers: ${firstLine}`);
  return result.error!;
}

describe("failure is always reported", () => {
  it("a program that exits non-zero: its status and the tail of its stderr", () => {
    const node = layoutNode({ task: "fails", inputs: { code: "3" } });
    const error = expectFailure(runLauncher(probe.launcher, node), "fails: exited with status 3");
    expect(error).toContain("--- last lines of stderr ---\nabout to fail\n");
  });

  it("a program that forgets an output: names the port", () => {
    const node = layoutNode({ task: "forgets" });
    const error = expectFailure(
      runLauncher(probe.launcher, node),
      /^forgets: output 'forgotten' was not written \(expected .*\/outputs\/forgotten\)$/,
    );
    expect(error).not.toContain("'written'");
  });

  it("a stale output of an earlier attempt does not count as written", () => {
    const node = layoutNode({ task: "forgets" });
    writeFileSync(join(node.outputsDir, "forgotten"), "from an earlier run");
    expectFailure(runLauncher(probe.launcher, node), /^forgets: output 'forgotten' was not written/);
  });

  it("a program killed by a signal (kill -9 $$ in its script)", () => {
    const node = layoutNode({ task: "killed" });
    const error = expectFailure(runLauncher(probe.launcher, node), "killed: killed by signal 9 (SIGKILL)");
    expect(error).toContain("going down");
  });

  it("a missing user script: names the path it looked for", () => {
    const node = layoutNode({ task: "missing" });
    expectFailure(
      runLauncher(probe.launcher, node),
      `missing: script ${join(probe.dir, "missing.sh")} was not found (write it, or declare the task's command line with @command)`,
    );
  });

  it("a program that is not installed", () => {
    const node = layoutNode({ task: "absent" });
    expectFailure(
      runLauncher(probe.launcher, node),
      "absent: program 'typespec-workers-no-such-program' was not found",
    );
  });

  it("a program that runs past @timeout: stopped with the process it started", async () => {
    const node = layoutNode({ task: "slow" });
    const { result, session } = inOwnSession('bash "$1" "$2"', [probe.launcher, node.definition], {
      ...baseEnv(),
      TKR_DIR: node.root,
    });
    expectFailure(readResult(node, result.status, result.stdout, result.stderr), "slow: timed out after 1 s");
    expect(await leftIn(session)).toEqual([]);
  });

  it("a scalar output that is not of its type", () => {
    const node = layoutNode({ task: "asFloat", inputs: { text: '"twelve"' } });
    expectFailure(
      runLauncher(probe.launcher, node),
      "asFloat: output 'value' should be a number, but the program wrote 'twelve'",
    );
    const color = layoutNode({ task: "asColor", inputs: { text: '"purple"' } });
    expectFailure(
      runLauncher(probe.launcher, color),
      "asColor: output 'value' should be one of red, green, blue, but the program wrote 'purple'",
    );
  });

  it("a required input missing from the call arguments", () => {
    const node = layoutNode({ task: "args", inputs: { count: "1", blob: "" } });
    expectFailure(
      runLauncher(probe.launcher, node),
      /^args: input 'text' is missing from the call arguments \(.*\/definition\)$/,
    );
  });

  it("an input whose file does not exist", () => {
    const node = layoutNode({ task: "fails", inputs: { code: "1" } });
    spawnSync("rm", [join(node.root, "wf-1/-.N-1/outputs/code")]);
    expectFailure(runLauncher(probe.launcher, node), /^fails: input 'code': file .*\/outputs\/code does not exist$/);
  });

  it("a value too large to pass as an argument", () => {
    const node = layoutNode({
      task: "args",
      inputs: { text: JSON.stringify("y".repeat(70_000)), count: "1", blob: "" },
    });
    expectFailure(
      runLauncher(probe.launcher, node),
      /^args: input 'text' has 70002 bytes, more than the 65536 that pass as text \(its file is input_text_file\); the command line needs it$/,
    );
  });

  it("an unknown task", () => {
    const node = layoutNode({ task: "nope" });
    expectFailure(
      runLauncher(probe.launcher, node),
      /^probe: no task 'nope' in this worker \(tasks: args, envdump, .*\)$/,
    );
  });

  it("call arguments that are not what the contract says", () => {
    const node = layoutNode({ task: "fails" });
    const cases: [string, string][] = [
      ['{"function_name": 7}', "function_name should be a path or name, not 7"],
      [
        '{"function_name": "fails", "inputs": {"code": null}, "output_dir": "o", "done_path": "d", "error_path": "e"}',
        "inputs.code should be a path or name, not null",
      ],
      ["[1, 2]", "expected a JSON object, not array"],
      ["{truncated", ""],
    ];
    for (const [definition, reason] of cases) {
      writeFileSync(join(node.nodeDir, "definition"), definition);
      const error = expectFailure(
        runLauncher(probe.launcher, node),
        /^probe: cannot read call arguments .*\/definition: /,
      );
      expect(error.split("\n")[0]).toContain(reason);
    }
  });

  it("a definition that does not exist: our two lines on stderr, nothing from bash itself", () => {
    const missing = join(freshDir("no-node"), "gone", "definition");
    const result = spawnSync("bash", [probe.launcher, missing], { env: baseEnv(), encoding: "utf8" });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      `typespec-workers: probe: call arguments ${missing} do not exist\n` +
        `typespec-workers: probe: cannot write ${join(dirname(missing), "_error")}\n`,
    );
  });

  it("jq missing: a clear error in _error beside the definition", () => {
    const node = layoutNode({ task: "fails", inputs: { code: "0" } });
    const bin = freshDir("bin-without-jq");
    for (const tool of ["readlink"])
      symlinkSync(spawnSync("bash", ["-c", `command -v ${tool}`], { encoding: "utf8" }).stdout.trim(), join(bin, tool));
    const bash = spawnSync("bash", ["-c", "command -v bash"], { encoding: "utf8" }).stdout.trim();
    const result = spawnSync(bash, [probe.launcher, node.definition], {
      env: { ...baseEnv(), PATH: bin, TKR_DIR: node.root },
      encoding: "utf8",
    });
    expectFailure(
      readResult(node, result.status, result.stdout, result.stderr),
      "probe: the launcher needs jq (to read call arguments), and jq was not found on PATH",
    );
  });

  it("a failure clears an earlier _done; a success clears an earlier _error", () => {
    const node = layoutNode({ task: "fails", inputs: { code: "0" } });
    writeFileSync(join(node.nodeDir, "_error"), "old failure");
    expect(runLauncher(probe.launcher, node).done).toBe(true);
    expect(existsSync(join(node.nodeDir, "_error"))).toBe(false);
    writeFileSync(join(node.root, "wf-1/-.N-1/outputs/code"), "4");
    expectFailure(runLauncher(probe.launcher, node), "fails: exited with status 4");
  });

  it("the launcher itself terminated (SIGTERM) ends in _error and stops its program", async () => {
    const node = layoutNode({ task: "linger" });
    // SIGTERM to the launcher's process only, as a controller cancelling a task would send it,
    // once the program runs (looked for in this test's own session: pgrep -s 0).
    const script =
      'bash "$1" "$2" & pid=$!; until pgrep -s 0 -f "slee[p] 47" >/dev/null; do sleep 0.05; done; kill -TERM "$pid"; wait "$pid"';
    const { result, session } = inOwnSession(script, [probe.launcher, node.definition], {
      ...baseEnv(),
      TKR_DIR: node.root,
    });
    const outcome = readResult(node, result.status, result.stdout, result.stderr);
    expect(outcome.status).not.toBe(0);
    expect(outcome.done).toBe(false);
    expect(outcome.error).toBe("linger: launcher received SIGTERM; the program was stopped\n");
    expect(await leftIn(session)).toEqual([]);
  });
});

import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  baseEnv,
  buildFixture,
  freshDir,
  layoutNode,
  nulRecords,
  output,
  readResult,
  runLauncher,
  type BuiltWorker,
  type TaskNode,
} from "./support.js";

let probe: BuiltWorker;
beforeAll(async () => {
  probe = (await buildFixture("probe")).probe!;
});

const inputs = {
  text: '"h\\u00e9llo \\"world\\"\\nline 2"', // wire form: a JSON string, non-ASCII escaped as Python does
  count: "9007199254740993", // beyond 2^53: must pass as written, not through a double
  ratio: "2.5",
  flag: "true",
  blob: Buffer.from([0, 1, 2, 255]),
};

function envdumpNode(root?: string, functionName?: string): TaskNode {
  return layoutNode({ task: "envdump", inputs, outputs: ["value"], ...(functionName ? { functionName } : {}) }, root);
}

/** What the script saw: NAME=VALUE records. */
function seen(node: TaskNode): Record<string, string> {
  return Object.fromEntries(
    nulRecords(output(node, "value")).map((record) => {
      const at = record.indexOf("=");
      return [record.slice(0, at), record.slice(at + 1)];
    }),
  );
}

function expectContract(node: TaskNode, vars: Record<string, string>) {
  const root = node.root;
  const at = (path: string) => join(root, "wf-1", path);
  expect(vars).toEqual({
    checkpoints_directory: root,
    TKR_DIR: root,
    function_name: "envdump",
    done_path: at("-.N0/_done"),
    error_path: at("-.N0/_error"),
    output_dir: at("-.N0/outputs"),
    logs_path: at("logs"),
    worker_call_args_file: at("-.N0/definition"),
    input_text_file: at("-.N-1/outputs/text"),
    input_text_value: 'héllo "world"\nline 2',
    input_count_file: at("-.N-1/outputs/count"),
    input_count_value: "9007199254740993",
    input_ratio_file: at("-.N-1/outputs/ratio"),
    input_ratio_value: "2.5",
    input_flag_file: at("-.N-1/outputs/flag"),
    input_flag_value: "true",
    // bytes pass by file only; the optional `extra` was not given: no variable at all.
    input_blob_file: at("-.N-1/outputs/blob"),
    output_value_file: at("-.N0/outputs/value"),
  });
}

describe("the environment-variable contract, in every start mode", () => {
  it("started by our shell executor: TKR_DIR and the relative definition path", () => {
    const node = envdumpNode();
    const result = runLauncher(probe.launcher, node);
    expect(result.error).toBeUndefined();
    expect(result.status).toBe(0);
    expect(result.done).toBe(true);
    expectContract(node, seen(node));
  });

  it("started by an upstream-like executor that exports the variables itself (function_name as a path)", () => {
    const node = envdumpNode(undefined, "probe.envdump");
    const abs = (p: string) => join(node.root, "wf-1", p);
    const env = {
      ...baseEnv(),
      checkpoints_directory: node.root,
      function_name: join(node.root, "envdump"), // upstream's fault: a path
      done_path: abs("-.N0/_done"),
      error_path: abs("-.N0/_error"),
      output_dir: abs("-.N0/outputs"),
      logs_path: abs("logs"),
      worker_call_args_file: abs("-.N0/definition"),
      input_extra_file: "/stale/from/another/task", // must not leak into a task that was not given `extra`
    };
    const result = runLauncher(probe.launcher, node, { env, cwd: freshDir("elsewhere") });
    expect(result.error).toBeUndefined();
    expect(result.done).toBe(true);
    expectContract(node, seen(node));
  });

  it("started with only the absolute definition path, as a batch job is", () => {
    const node = envdumpNode();
    const result = runLauncher(probe.launcher, node, {
      env: baseEnv(),
      args: [join(node.root, node.definition)],
      cwd: freshDir("batch-cwd"),
    });
    expect(result.error).toBeUndefined();
    expect(result.done).toBe(true);
    expectContract(node, seen(node));
  });

  it("started with only a relative definition path: the root is ~/.tierkreis/checkpoints", () => {
    const home = freshDir("home");
    const root = join(home, ".tierkreis", "checkpoints");
    mkdirSync(root, { recursive: true });
    const node = envdumpNode(root);
    const result = runLauncher(probe.launcher, node, {
      env: { ...baseEnv(), HOME: home },
      args: [node.definition],
      cwd: freshDir("cwd"),
    });
    expect(result.error).toBeUndefined();
    expect(result.done).toBe(true);
    expectContract(node, seen(node));
  });

  it("takes the definition from worker_call_args_file when started without an argument", () => {
    const node = envdumpNode();
    const env = { ...baseEnv(), TKR_DIR: node.root, worker_call_args_file: join(node.root, node.definition) };
    const result = runLauncher(probe.launcher, node, { env, args: [] });
    expect(result.done).toBe(true);
    expectContract(node, seen(node));
  });

  it("a null logs_path in the call arguments is the workflow's logs file", () => {
    const node = envdumpNode();
    const path = join(node.nodeDir, "definition");
    writeFileSync(path, readFileSync(path, "utf8").replace(/"logs_path":"[^"]*"/, '"logs_path":null'));
    expect(readFileSync(path, "utf8")).toContain('"logs_path":null');
    expect(runLauncher(probe.launcher, node).done).toBe(true);
    expect(seen(node).logs_path).toBe(join(node.root, "wf-1", "logs"));
  });

  it("without any definition prints usage and exits 2", () => {
    const result = spawnSync("bash", [probe.launcher], { env: baseEnv(), encoding: "utf8" });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^usage: .*main\.sh DEFINITION/);
  });

  it("exports input_<port>_value only up to the documented bound (64 KiB of wire text)", () => {
    const big = JSON.stringify("x".repeat(70_000));
    const node = layoutNode({ task: "envdump", inputs: { ...inputs, text: big }, outputs: ["value"] });
    const result = runLauncher(probe.launcher, node);
    expect(result.done).toBe(true);
    const vars = seen(node);
    expect(vars.input_text_file).toBe(join(node.root, "wf-1/-.N-1/outputs/text"));
    expect("input_text_value" in vars).toBe(false);
    expect(vars.input_count_value).toBe("9007199254740993");
  });

  it("gives an optional input that was passed its variables", () => {
    const node = layoutNode({ task: "envdump", inputs: { ...inputs, extra: "-7" }, outputs: ["value"] });
    expect(runLauncher(probe.launcher, node).done).toBe(true);
    expect(seen(node)).toMatchObject({
      input_extra_file: join(node.root, "wf-1/-.N-1/outputs/extra"),
      input_extra_value: "-7",
    });
  });

  it("passes a union of scalars as text: a string decoded, null as null", () => {
    for (const [wire, text] of [
      ['"it\'s"', "it's"],
      ["null", "null"],
    ] as const) {
      const node = layoutNode({ task: "envdump", inputs: { ...inputs, maybe: wire }, outputs: ["value"] });
      expect(runLauncher(probe.launcher, node).done).toBe(true);
      expect(seen(node)).toMatchObject({ input_maybe_value: text });
    }
  });

  it("runs a script given by @script(path) relative to the launcher folder", () => {
    const node = layoutNode({ task: "custom", inputs: { text: '"hi"' } });
    const result = runLauncher(probe.launcher, node);
    expect(result.error).toBeUndefined();
    expect(output(node, "value").toString()).toBe('"custom saw: hi"');
  });

  it("writes the program's stderr to <node>/errors and passes it through", () => {
    const node = layoutNode({ task: "fails", inputs: { code: "0" } });
    const result = runLauncher(probe.launcher, node);
    expect(result.done).toBe(true);
    expect(result.stderr).toContain("about to fail");
    const errors = spawnSync("cat", [join(node.nodeDir, "errors")], { encoding: "utf8" }).stdout;
    expect(errors).toBe("about to fail\n");
  });

  it("does not duplicate stderr when the executor already sends it to <node>/errors", () => {
    const node = layoutNode({ task: "fails", inputs: { code: "0" } });
    const errors = join(node.nodeDir, "errors");
    const result = spawnSync(
      "bash",
      ["-c", 'exec 2>>"$1"; exec bash "$2" "$3"', "_", errors, probe.launcher, node.definition],
      {
        env: { ...baseEnv(), TKR_DIR: node.root },
        encoding: "utf8",
      },
    );
    expect(readResult(node, result.status, result.stdout, result.stderr).done).toBe(true);
    expect(spawnSync("cat", [errors], { encoding: "utf8" }).stdout).toBe("about to fail\n");
  });
});

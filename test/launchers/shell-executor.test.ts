import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { TaskLaunch } from "../../src/graph/executor.js";
import { shellExecutor } from "../../src/graph/executors/shell.js";
import {
  buildFixture,
  layoutNode,
  nulRecords,
  output,
  type BuiltWorker,
  type NodeSpec,
  type TaskNode,
} from "./support.js";

let probe: BuiltWorker;
beforeAll(async () => {
  probe = (await buildFixture("probe")).probe!;
});

function launch(node: TaskNode, task: string): TaskLaunch {
  return {
    worker: "probe",
    task,
    loc: node.loc,
    root: node.root,
    workflowId: node.workflow,
    definitionPath: node.definition,
    nodeDir: node.nodeDir,
    signal: new AbortController().signal,
  };
}

async function run(spec: NodeSpec) {
  const node = layoutNode(spec);
  // The registry holds <worker>/main.sh, as the emitter writes it.
  const executor = shellExecutor({ workers: dirname(probe.dir) });
  return { node, result: await executor.run(launch(node, spec.task)) };
}

describe("started by our shell executor", () => {
  it("runs a task, the contract environment the same as when started by hand", async () => {
    const { node, result } = await run({
      task: "envdump",
      inputs: { text: '"x"', count: "1", ratio: "0.5", flag: "false", blob: "" },
    });
    expect(result).toEqual({ ok: true });
    const vars = nulRecords(output(node, "value"));
    expect(vars).toContain("function_name=envdump");
    expect(vars).toContain(`input_text_value=x`);
    expect(vars).toContain(`error_path=${join(node.nodeDir, "_error")}`);
  });

  it("hands the launcher the compiled string codec (TW_STRING_CODEC_BIN), built where a C compiler is", async () => {
    const { node, result } = await run({
      task: "envdump",
      inputs: { text: '"x"', count: "1", ratio: "0.5", flag: "false", blob: "" },
    });
    expect(result).toEqual({ ok: true });
    const codec = nulRecords(output(node, "value"))
      .find((v) => v.startsWith("TW_STRING_CODEC_BIN="))
      ?.slice("TW_STRING_CODEC_BIN=".length);
    expect(codec).toMatch(/\/string-codec-[0-9a-f]{16}-/);
    expect(spawnSync(codec!, ["version"], { encoding: "utf8" }).stdout).toBe("1\n");
  });

  it("reports the launcher's reason for a failure", async () => {
    const { result } = await run({ task: "fails", inputs: { code: "3" } });
    expect(result.ok).toBe(false);
    expect(result.ok === false && result.reason).toContain("fails: exited with status 3");
    expect(result.ok === false && result.stderrTail).toContain("about to fail");
  });
});

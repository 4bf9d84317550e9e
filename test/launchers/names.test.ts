/**
 * Issue 9 #10: every name the compiler accepts gives a launcher that shellcheck passes and that
 * runs, bash reserved words and builtins included (fixture `keywords`); and a worker of thousands
 * of tasks adds one line of data per task, not code (the table is a quoted here-document).
 */
import { createTester } from "@typespec/compiler/testing";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { renderLauncher } from "../../src/emitter/launcher.js";
import { launcherRuntime } from "../../src/emitter/launcher-runtime.js";
import { collectWorkers } from "../../src/model/collect.js";
import { repoRoot } from "../support/tester.js";
import { buildFixture, freshDir, layoutNode, output, runLauncher, type BuiltWorker } from "./support.js";

let fi: BuiltWorker;
beforeAll(async () => {
  fi = (await buildFixture("keywords")).fi!;
});

describe("bash reserved words and builtins as names", () => {
  it("a task `then` with ports `then`, `fi`, `do` and outputs `done`, `export` runs", () => {
    const node = layoutNode({ task: "then", inputs: { then: '"a b"', fi: "7", do: "raw" } });
    const result = runLauncher(fi.launcher, node);
    expect(result.error).toBeUndefined();
    expect(output(node, "done").toString()).toMatch(/^a b 7 \/.*\/outputs\/do$/);
  });

  it("a @stdio task `esac` with input `eval`", () => {
    const node = layoutNode({ task: "esac", inputs: { eval: '"$(echo no)"' } });
    expect(runLauncher(fi.launcher, node).error).toBeUndefined();
    expect(output(node, "value").toString()).toBe('"$(echo no)"');
  });

  it("an unknown task lists the tasks", () => {
    const result = runLauncher(fi.launcher, layoutNode({ task: "done" }));
    expect(result.error).toBe("fi: no task 'done' in this worker (tasks: then, esac, do, case)\n");
  });
});

describe("a worker of 3,000 tasks", () => {
  it("is the runtime plus one line per task, clean for shellcheck, and runs one of its last tasks", async () => {
    // The compiler checks three kinds of task once; the worker repeats them under 3,000 names.
    const spec = `import "typespec-workers";\nusing Workers;\ninterface big {
      /** Copies. */ @command("cp {a} {value}") copy(a: bytes, n: int32, s?: string = "d"): bytes;
      @stdio("cat") echo(text: string): string;
      /** Script. */ run(x: float64): boolean;
    }\n`;
    const tester = createTester(repoRoot, { libraries: ["typespec-workers"] });
    const [{ program }, diagnostics] = await tester.compileAndDiagnose({ "main.tsp": spec });
    expect(diagnostics).toEqual([]);
    const worker = collectWorkers(program).workers[0]!;
    const tasks = Array.from({ length: 3000 }, (_, i) => ({ ...worker.tasks[i % 3]!, name: `t${i}` }));
    const text = renderLauncher({ ...worker, tasks }, { specFile: "big.tsp" });
    const runtimeLines = launcherRuntime().split("\n").length;
    // Header: at most 2 comment lines per task (launch and doc); table: 1 line per task.
    expect(text.split("\n").length).toBeLessThan(runtimeLines + 3 * 3000 + 60);
    const launcher = join(freshDir("big"), "main.sh");
    writeFileSync(launcher, text);
    const checked = spawnSync("shellcheck", [launcher], { encoding: "utf8" });
    expect(checked.stdout + checked.stderr).toBe("");
    const node = layoutNode({ task: "t2997", inputs: { a: "payload", n: "1" } });
    expect(runLauncher(launcher, node).error).toBeUndefined();
    expect(output(node, "value").toString()).toBe("payload");
  });
});

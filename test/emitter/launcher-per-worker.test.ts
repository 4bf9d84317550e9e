// Which workers get a launcher (issue #10, point 5): only one whose tasks say how to launch them
// (@command, @stdio, @script on a task) or that opts into the `<task>.sh` convention with @script
// on the interface. A worker implemented in code gets none, so `auto` finds its code instead.
import { describe, expect, it } from "vitest";
import { EmitTester, expectDiagnosticsAt, Tester } from "../support/tester.js";

const files = (outputs: Record<string, string>, worker: string) =>
  Object.keys(outputs)
    .filter((f) => f.startsWith(`${worker}/`))
    .map((f) => f.slice(worker.length + 1))
    .sort();

/** The task lines of a launcher's table (after `tkr_main`), by task name. */
function tableRows(launcher: string): Record<string, string> {
  const table = launcher.slice(launcher.indexOf("<<'TKR_TASKS'\n") + 14, launcher.lastIndexOf("TKR_TASKS"));
  return Object.fromEntries(
    table
      .trim()
      .split("\n")
      .map((row) => [row.split(" ")[0]!, row]),
  );
}

describe("a worker's launcher", () => {
  it("is not written for a worker whose tasks have no launch decorator, and worker.json has no launch", async () => {
    const { outputs } = await EmitTester.compile(`
      /** Implemented in TypeScript. */
      interface stats { mean(xs: float64[]): float64; count(xs: float64[]): int32; }
      interface tools { @stdio("wc -w") words(text: string): int32; }`);
    expect(files(outputs, "stats")).toEqual(["stubs.ts", "worker.json"]);
    expect(files(outputs, "tools")).toEqual(["main.sh", "stubs.ts", "worker.json"]);
    const descriptor = JSON.parse(outputs["stats/worker.json"]!);
    expect(Object.values(descriptor.tasks).map((t) => Object.hasOwn(t as object, "launch"))).toEqual([false, false]);
  });

  it("runs an undecorated task of a worker that has one by its <task>.sh", async () => {
    const { outputs } = await EmitTester.compile(`
      interface mixed { @command("true") first(): void; second(x: int32): int32; }`);
    const rows = tableRows(outputs["mixed/main.sh"]!);
    expect(rows.second).toContain(" script second.sh ");
    expect(JSON.parse(outputs["mixed/worker.json"]!).tasks.second.launch).toEqual({
      kind: "script",
      path: "second.sh",
    });
  });

  it("is written for a worker with @script, each task running its own <task>.sh", async () => {
    const { outputs } = await EmitTester.compile(`
      @script interface legacy { prepare(input: bytes): bytes; @command("true") done(): void; finish(n: int32): int32; }`);
    const rows = tableRows(outputs["legacy/main.sh"]!);
    expect(Object.keys(rows)).toEqual(["prepare", "done", "finish"]);
    expect(rows.prepare).toContain(" script prepare.sh ");
    expect(rows.done).toContain(" run ");
    expect(rows.finish).toContain(" script finish.sh ");
  });

  it("takes @script without a path on a task as <task>.sh", async () => {
    const { outputs } = await EmitTester.compile(`interface w { @script step(): void; other(): void; }`);
    const tasks = JSON.parse(outputs["w/worker.json"]!).tasks;
    expect(tasks.step.launch).toEqual({ kind: "script", path: "step.sh" });
    expect(tasks.other.launch).toEqual({ kind: "script", path: "other.sh" });
  });

  it("refuses a path in @script on a worker, at the path", async () => {
    await expectDiagnosticsAt(`@script(┆"run.sh") interface w { f(): void; }`, "typespec-workers/invalid-script");
  });

  it("refuses @script twice on a worker", async () => {
    await expectDiagnosticsAt(`@script ┆@script interface w { f(): void; }`, "typespec-workers/duplicate-decorator");
  });

  it("with launcher-runtime: shared, writes no runtime file when no worker has a launcher", async () => {
    const spec = `interface stats { mean(xs: float64[]): float64; }`;
    const shared = Tester.emit("typespec-workers", { "launcher-runtime": "shared" });
    expect(Object.keys((await shared.compile(spec)).outputs).sort()).toEqual(["stats/stubs.ts", "stats/worker.json"]);
    const withTool = await shared.compile(`${spec} interface tools { @stdio("cat") echo(s: string): string; }`);
    expect(Object.keys(withTool.outputs)).toContain("launcher-runtime.sh");
  });
});

// `run --report`: the report is written when the run ends, also when it fails, with the failed
// task's reason in the trace.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tw } from "../support/cli.js";
import { shellWorker } from "../graph/support.js";
import { scratchDir } from "../support/project.js";
import { copyAssets } from "./support.js";
import { writeFileSync } from "node:fs";

describe("run --report", () => {
  it("writes report.html and trace.tsv into the run directory of a failed run", () => {
    copyAssets();
    // Inside the repository, so that the graph module's `typespec-workers/...` imports resolve.
    const dir = scratchDir("view-report");
    const workers = join(dir, "workers");
    shellWorker(workers, "calc", `echo "the abacus broke" >&2; exit 4`);
    const graph = join(dir, "graph.mjs");
    writeFileSync(
      graph,
      `import { graph } from "typespec-workers/graph";
import { t, task } from "typespec-workers/runtime";
const add = task({ worker: "calc", name: "add", inputs: [{ name: "a", type: t.int32 }], outputs: [{ name: "value", type: t.int32 }], shape: "value" });
const g = graph({ inputs: { a: t.int32 }, output: t.int32 });
g.output(g.task(add({ a: g.inputs.a })));
export default g;
`,
    );
    const r = tw(
      "run",
      graph,
      "-i",
      '{"a": 1}',
      "-w",
      workers,
      "--root",
      join(dir, "runs"),
      "--id",
      "r",
      "--no-progress",
      "--report",
    );
    expect(r.status).toBe(1);
    const runDir = join(dir, "runs", "r");
    expect(r.stderr).toContain(`report: ${join(runDir, "report.html")}`);
    expect(existsSync(join(runDir, "report.html"))).toBe(true);
    const trace = readFileSync(join(runDir, "trace.tsv"), "utf8").split("\n");
    const row = trace.find((l) => l.includes("calc.add"));
    expect(row).toContain("exited with status 4");
  });
});

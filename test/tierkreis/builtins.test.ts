/**
 * Upstream Tierkreis's builtins (`builtins.iadd`, `igt`, `tkr_len`, ...) run here, compared case by
 * case with what upstream's own builtins worker writes for the same input files
 * (test/fixtures/tierkreis/builtins, recorded by record/record_builtins.py).
 */
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { BUILTINS } from "../../src/graph/builtins.js";
import { loadGraph, run } from "../../src/graph/index.js";
import { TIERKREIS_BUILTINS } from "../../src/graph/tierkreis-builtins.js";
import { scratchDir } from "../support/project.js";
import { repoRoot } from "../support/tester.js";
import { findUpstream } from "./upstream.js";

const exec = promisify(execFile);
const fixtures = join(repoRoot, "test/fixtures/tierkreis/builtins");
interface Case {
  task: string;
  inputs: Record<string, string>;
  outputs: string[];
}
type Recorded = { outputs: Record<string, { text?: string; base64?: string }> } | { error: string };
const cases: Case[] = JSON.parse(readFileSync(join(fixtures, "cases.json"), "utf8")).cases;
const expected: Recorded[] = JSON.parse(readFileSync(join(fixtures, "expected.json"), "utf8")).results;
const label = (c: Case) => `${c.task}(${Object.values(c.inputs).join(", ")})`;

async function runHere(c: Case): Promise<Record<string, Buffer>> {
  const root = scratchDir("tierkreis-builtins");
  mkdirSync(join(root, "outputs"));
  for (const [port, text] of Object.entries(c.inputs)) writeFileSync(join(root, `in_${port}`), text);
  await TIERKREIS_BUILTINS[c.task]!(root, {
    function_name: c.task,
    inputs: Object.fromEntries(Object.keys(c.inputs).map((p) => [p, `in_${p}`])),
    outputs: Object.fromEntries(c.outputs.map((p) => [p, `outputs/${p}`])),
    output_dir: "outputs",
    done_path: "_done",
    error_path: "_error",
    logs_path: null,
  });
  return Object.fromEntries(c.outputs.map((p) => [p, readFileSync(join(root, "outputs", p))]));
}

describe("upstream's builtins", () => {
  it.each(cases.map((c, i) => [label(c), c, expected[i]!] as const))(
    "%s writes what upstream writes",
    async (_, c, want) => {
      if ("error" in want) {
        await expect(runHere(c)).rejects.toThrow(`builtins.${c.task}`);
        return;
      }
      const got = await runHere(c);
      for (const [port, value] of Object.entries(want.outputs)) {
        const bytes = value.text !== undefined ? Buffer.from(value.text, "utf8") : Buffer.from(value.base64!, "base64");
        expect(got[port]!.toString("latin1"), port).toBe(bytes.toString("latin1"));
      }
    },
  );

  it("cover every task of upstream's builtins worker (fold_values and unfold_values run in builtins.ts)", () => {
    const stubs = readFileSync(join(repoRoot, "test/fixtures/tierkreis/builtins/upstream-tasks.txt"), "utf8")
      .split("\n")
      .filter(Boolean);
    const missing = stubs.filter((t) => !(t in TIERKREIS_BUILTINS));
    expect(missing.sort()).toEqual(["fold_values", "unfold_values"]);
  });

  it("rand_int draws within its bounds, both included; tkr_sleep returns true", async () => {
    const seen = new Set<string>();
    for (let k = 0; k < 200 && seen.size < 3; k++) {
      seen.add(
        (await runHere({ task: "rand_int", inputs: { a: "-1", b: "1" }, outputs: ["value"] })).value!.toString(),
      );
    }
    expect([...seen].sort()).toEqual(["-1", "0", "1"]);
    const slept = await runHere({ task: "tkr_sleep", inputs: { delay_seconds: "0.01" }, outputs: ["value"] });
    expect(slept.value!.toString()).toBe("true");
  });

  it("live: upstream's builtins worker still writes the recorded results", async (ctx) => {
    const upstream = findUpstream();
    if (typeof upstream === "string") return ctx.skip(upstream);
    const out = join(scratchDir("tierkreis-builtins-live"), "expected.json");
    const script = join(repoRoot, "test/fixtures/tierkreis/record/record_builtins.py");
    await exec(upstream.python, [script, join(fixtures, "cases.json"), out], {
      env: { ...upstream.env, TKR_DIR: scratchDir("tierkreis-builtins-live") },
    });
    expect(JSON.parse(readFileSync(out, "utf8"))).toEqual(
      JSON.parse(readFileSync(join(fixtures, "expected.json"), "utf8")),
    );
  });
});

describe("upstream graphs that call builtins, run by the controller", () => {
  it("are all the controller's builtins", () => {
    for (const task of Object.keys(TIERKREIS_BUILTINS)) expect(BUILTINS[task], task).toBeTypeOf("function");
  });
  const graphs = join(repoRoot, "test/fixtures/tierkreis/graphs/current");

  const cases: [string, unknown, Record<string, unknown>][] = [
    ["sample_graphdata.simple_eval.json", 12, {}],
    ["sample_graphdata.simple_loop.json", 10, {}],
    // A map folded by a bare `*` glob: 2x + 6 for x in 0..20.
    ["sample_graphdata.simple_map.json", Array.from({ length: 21 }, (_, x) => 2 * x + 6), {}],
    ["typed_graphdata.typed_loop.json", 10, {}],
    ["typed_graphdata.tuple_untuple.json", 3, {}],
    ["typed_graphdata.typed_map_simple.json", [2, 4, 6], { value: [1, 2, 3] }],
  ];
  it.each(cases)("%s gives %j", async (file, want, inputs) => {
    const g = loadGraph(readFileSync(join(graphs, file), "utf8"));
    const outcome = await run(g, inputs, { root: scratchDir("tierkreis-builtins-graphs"), workflowId: "w" });
    const value = g.signature.shape === "value" ? outcome.value : Object.values(outcome.value as object)[0];
    expect(JSON.parse(JSON.stringify(value, (_, v) => (typeof v === "bigint" ? Number(v) : v)))).toEqual(want);
  });
});

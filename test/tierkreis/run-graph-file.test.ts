// `typespec-workers run graph.json`: a graph file written by upstream Tierkreis (its current
// format), run as it is, builtins included.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tw } from "../support/cli.js";
import { repoRoot } from "../support/tester.js";

const graphs = join(repoRoot, "test/fixtures/tierkreis/graphs/current");

describe("run a Tierkreis graph file", () => {
  it("runs upstream's simple_map (a map folded by a bare glob) and prints its result", () => {
    const root = mkdtempSync(join(tmpdir(), "tw-graph-file-"));
    const r = tw("run", join(graphs, "sample_graphdata.simple_map.json"), "--root", root, "--no-progress");
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(Array.from({ length: 21 }, (_, x) => 2 * x + 6));
  });

  it("refuses a file that is not a graph, naming what is wrong", () => {
    const r = tw("run", join(repoRoot, "package.json"), "--no-progress");
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("graph.nodes: expected a list");
    expect(r.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
  });
});

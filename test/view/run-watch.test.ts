// Live updates from the run directory: a new node folder is pushed as an update; the tasks'
// output in the run's log is not a reason to read the whole run again, a restart's line is.
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { restartNode } from "../../src/view/restart.js";
import { RunWatch } from "../../src/view/run-watch.js";
import { fixtureRun, until } from "./support.js";

type Wire = [string, string, string, string];

describe("run watch", () => {
  it("pushes changed nodes, and reloads only for the controller's or a restart's log lines", async () => {
    const { runDir } = await fixtureRun();
    const w = new RunWatch(runDir);
    const events: { event: string; nodes: Wire[] }[] = [];
    w.subscribe((event, data) => events.push({ event, nodes: (data as { nodes: Wire[] }).nodes }));
    try {
      expect(w.watching).toBe(true);
      expect(events.map((e) => e.event)).toEqual(["snapshot"]);
      appendFileSync(join(runDir, "logs"), "output of a task\n".repeat(50));
      mkdirSync(join(runDir, "-.N99"));
      writeFileSync(join(runDir, "-.N99", "nodedef"), JSON.stringify({ type: "function", function_name: "x.y" }));
      await until("an update naming -.N99", () =>
        events.some((e) => e.event === "update" && e.nodes.some((n) => n[0] === "-.N99")),
      );
      expect(events.filter((e) => e.event === "snapshot")).toHaveLength(1);

      // A restart made elsewhere (here: not through this watch) is seen from its log line.
      await restartNode(runDir, "-.N4.M1.N1");
      await until("a reload after the restart", () => events.filter((e) => e.event === "snapshot").length === 2);
      const last = events.filter((e) => e.event === "snapshot")[1]!;
      expect(last.nodes.find((n) => n[0] === "-.N4.M1.N1")![3]).toBe("waiting");
      expect(last.nodes.find((n) => n[0] === "-.N4.M0.N1")![3]).toBe("done");
    } finally {
      w.close();
    }
  });
});

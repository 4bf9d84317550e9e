// The viewer in a real browser (headless chromium) on a live run of shell tasks the test lets
// finish one by one: states change on the page as tasks finish (pushed by the server), a failed
// task shows its reason and stderr, restart from the page marks it not done and a resume runs
// it. The report of the failed run is opened the same way. Screenshots go to test/.out/view/.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graph, resume, run } from "../../src/graph/index.js";
import { t } from "../../src/runtime/index.js";
import { writeReport } from "../../src/view/report.js";
import { startViewer, type ViewServer } from "../../src/view/server.js";
import { intTask, shellWorker } from "../graph/support.js";
import { launchChromium, shotsDir } from "./browser.js";
import { tempDir } from "./support.js";

let browser: Browser;
let viewer: ViewServer | undefined;

beforeAll(async () => {
  mkdirSync(shotsDir, { recursive: true });
  browser = await launchChromium();
});
afterAll(async () => {
  await viewer?.close();
  await browser?.close();
});

const gate = intTask("gate", "step", ["x"]);

function gatedGraph() {
  const body = graph({ inputs: { x: t.int32 }, output: t.int32, name: "one" });
  body.output(body.task(gate({ x: body.inputs.x })));
  const g = graph({ inputs: { xs: t.list(t.int32) }, output: t.list(t.int32), name: "gated" });
  g.output(g.map(body, { x: g.each(g.inputs.xs) }));
  return g;
}

const row = (page: Page, loc: string, state: string) =>
  page.waitForSelector(`.row[data-loc="${loc}"][data-state="${state}"]`, { timeout: 60_000 });

describe("viewer in a browser", () => {
  it("follows a live run, shows a failure and restarts the failed task", async () => {
    const workers = tempDir();
    shellWorker(
      workers,
      "gate",
      `x=$(cat "$input_x_file")
echo "working on $x" >&2
while [ ! -e "$TKR_DIR/go-$x" ]; do sleep 0.05; done
if [ "$x" = 2 ] && [ ! -e "$TKR_DIR/fixed" ]; then echo "bad input $x" >&2; exit 3; fi
echo $(( x * 10 )) > "$output_value_file"
touch "$done_path"`,
    );
    const root = tempDir();
    const runDir = join(root, "live");
    const g = gatedGraph();
    const running = run(g, { xs: [0, 1, 2] }, { root, workflowId: "live", workers, concurrency: 3 }).then(
      () => "finished",
      (e: Error) => e.message,
    );
    // The run directory exists once the graph is written; the viewer opens it while it runs.
    const { until } = await import("./support.js");
    const { existsSync } = await import("node:fs");
    await until("the run directory", () => existsSync(join(runDir, ".N-1", "outputs", "body")));
    viewer = await startViewer({ targets: [root] });
    const page = await browser.newPage({ viewport: { width: 1300, height: 720 } });
    page.on("dialog", (d) => void d.accept());
    await page.goto(viewer.urlWithToken);

    const task = (e: number) => `-.N3.M${e}.N1`;
    await row(page, task(0), "running");
    await row(page, task(2), "running");
    await page.screenshot({ path: join(shotsDir, "1-running.png") });

    writeFileSync(join(root, "go-0"), "");
    await row(page, task(0), "done");
    expect(await page.getAttribute(`.row[data-loc="${task(1)}"]`, "data-state")).toBe("running");
    writeFileSync(join(root, "go-1"), "");
    await row(page, task(1), "done");
    await page.screenshot({ path: join(shotsDir, "2-two-done.png") });

    writeFileSync(join(root, "go-2"), "");
    expect(await running).toMatch(/exited with status 3/);
    await row(page, task(2), "failed");
    await page.waitForSelector("#run-state.failed");
    await page.click(`.row[data-loc="${task(2)}"] .label`);
    await page.waitForSelector("#reason");
    expect(await page.textContent("#reason")).toContain("exited with status 3");
    expect(await page.textContent("#stderr")).toContain("bad input 2");
    expect(await page.textContent("#detail")).toContain("gate.step");
    await page.screenshot({ path: join(shotsDir, "3-failed.png") });

    const report = await writeReport(runDir, join(root, "report"));

    writeFileSync(join(root, "fixed"), "");
    await page.click("#restart");
    await page.waitForSelector("#restart-message:not([hidden])");
    expect(await page.textContent("#restart-message")).toContain(`restarted ${task(2)}`);
    await row(page, task(2), "waiting");
    // Kept: the elements that had finished.
    expect(await page.getAttribute(`.row[data-loc="${task(0)}"]`, "data-state")).toBe("done");

    const rerun: string[] = [];
    const resumed = await resume(runDir, {
      workers,
      onEvent: (e) => void (e.type === "task-started" && rerun.push(e.loc)),
    });
    // The restarted task runs again (and the fold after the map, which never ran); the others not.
    expect(rerun).toContain(task(2));
    expect(rerun).not.toContain(task(0));
    expect(rerun).not.toContain(task(1));
    expect(resumed.value).toEqual([0, 10, 20]);
    await row(page, task(2), "done");
    await page.waitForSelector("#run-state.finished");
    await page.fill("#search", "M2");
    await page.waitForSelector(`[data-hit="${task(2)}"]`);
    await page.screenshot({ path: join(shotsDir, "4-restarted-and-resumed.png") });

    const rp = await browser.newPage({ viewport: { width: 1300, height: 900 } });
    await rp.goto(`file://${report.html}`);
    await rp.waitForSelector("[data-lane]");
    expect(await rp.textContent("#failures")).toContain("exited with status 3");
    expect(await rp.textContent("#summary")).toContain("failed");
    expect(await rp.textContent("#slowest")).toContain("gate.step");
    expect(await rp.locator(".bar").count()).toBe(4);
    await rp.screenshot({ path: join(shotsDir, "5-report.png"), fullPage: true });
  });
});

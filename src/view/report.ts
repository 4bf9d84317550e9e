/**
 * The report of a run (as Nextflow's `-with-report`, `-with-timeline` and `-with-trace`): one
 * self-contained HTML file (its styles, script and data inline; nothing loaded from a network)
 * with the summary, a timeline of tasks per executor lane, the slowest tasks and the failures,
 * and `trace.tsv` beside it.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { requireRunDir } from "../graph/run-layout.js";
import { pageFile } from "./page-files.js";
import { RunModel } from "./run-model.js";
import { traceRows, traceTsv } from "./trace.js";

export interface ReportFiles {
  readonly html: string;
  readonly trace: string;
}

/** JSON safe inside a `<script>` element. */
const scriptJson = (v: unknown) =>
  JSON.stringify(v)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");

export function reportHtml(model: RunModel, tsv: string): string {
  const rows = traceRows(model);
  const data = {
    runDir: model.dir,
    summary: model.summary(),
    rows,
    tsv,
    made: Date.now(),
  };
  // Replaced with functions: `$` in the inlined text must stay as it is.
  return pageFile("report.html")
    .replace("/*REPORT_CSS*/", () => pageFile("report.css"))
    .replace("/*REPORT_JS*/", () => pageFile("report.js").replace(/<\/script/gi, "<\\/script"))
    .replace("/*REPORT_DATA*/", () => scriptJson(data));
}

/** Write `report.html` and `trace.tsv` into `outDir` (made if missing). */
export async function writeReport(runDir: string, outDir: string): Promise<ReportFiles> {
  const dir = resolve(runDir);
  await requireRunDir(dir);
  const model = new RunModel(dir);
  model.load();
  const tsv = traceTsv(traceRows(model));
  mkdirSync(outDir, { recursive: true });
  const files = {
    html: join(resolve(outDir), "report.html"),
    trace: join(resolve(outDir), "trace.tsv"),
  };
  writeFileSync(files.trace, tsv);
  writeFileSync(files.html, reportHtml(model, tsv));
  return files;
}

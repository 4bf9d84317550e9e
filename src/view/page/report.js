// Renders the run report from the data embedded in the page (no network needed).
"use strict";

const data = JSON.parse(document.getElementById("report-data").textContent);
const ROW_PX = 12;
const MAX_TABLE_ROWS = 2000;

function el(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else if (k === "style") e.style.cssText = v;
    else e.setAttribute(k, v);
  }
  for (const k of kids) if (k !== null && k !== undefined) e.append(k instanceof Node ? k : String(k));
  return e;
}

function fmtDuration(ms) {
  if (ms === undefined || ms === null || !(ms >= 0)) return "";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${Math.round(s % 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}
const fmtTime = (t) => (t ? new Date(t).toISOString().replace("T", " ").replace("Z", " UTC") : "");
const dur = (r) => (r.start !== undefined && r.end !== undefined ? r.end - r.start : undefined);

const s = data.summary;
const rows = data.rows;
const starts = rows.filter((r) => r.start !== undefined).map((r) => r.start);
const ends = rows.filter((r) => r.end !== undefined).map((r) => r.end);
const t0 = s.start ?? Math.min(...starts);
const t1 = s.end ?? Math.max(...ends, ...starts, t0 + 1);

document.getElementById("summary").append(
  el(
    "table",
    {},
    ...[
      ["run", data.runDir],
      ["graph", s.name],
      [
        "state",
        el(
          "span",
          {
            class: `state ${s.state === "finished" ? "done" : s.state === "failed" ? "failed" : "stopped"}`,
          },
          s.state,
        ),
      ],
      ["started", fmtTime(s.start)],
      ["ended", fmtTime(s.end)],
      ["elapsed", fmtDuration(t1 - t0)],
      [
        "tasks",
        Object.entries(s.tasks)
          .filter(([, n]) => n > 0)
          .map(([k, n]) => `${n} ${k}`)
          .join(", ") || "none",
      ],
      ["report made", fmtTime(data.made)],
    ].map(([k, v]) => el("tr", {}, el("th", {}, k), el("td", {}, v))),
  ),
);

// Timeline: a lane per executor kind; in a lane, each task goes on the first row free at its start.
const lanes = new Map();
for (const r of rows.filter((r) => r.start !== undefined)) {
  if (!lanes.has(r.kind)) lanes.set(r.kind, []);
  lanes.get(r.kind).push(r);
}
const span = Math.max(1, t1 - t0);
const timeline = document.getElementById("timeline");
for (const [kind, tasks] of lanes) {
  tasks.sort((a, b) => a.start - b.start);
  const rowEnds = [];
  const bars = [];
  for (const r of tasks) {
    const end = r.end ?? t1;
    let i = rowEnds.findIndex((e) => e <= r.start);
    if (i < 0) i = rowEnds.push(0) - 1;
    rowEnds[i] = end;
    const left = ((r.start - t0) / span) * 100;
    const width = ((end - r.start) / span) * 100;
    const bar = el("div", {
      class: `bar ${r.state}`,
      style: `left:${left}%;width:${width}%;top:${i * ROW_PX + 1}px`,
      title: `${r.task} ${r.loc} · ${fmtDuration(dur(r)) || r.state}`,
    });
    bar.dataset.loc = r.loc;
    bars.push(bar);
  }
  const laneRows = el("div", { class: "lane-rows", style: `height:${rowEnds.length * ROW_PX + 2}px` }, ...bars);
  timeline.append(
    el(
      "div",
      { class: "lane", "data-lane": kind },
      el("div", { class: "lane-name" }, `${kind} · ${tasks.length} task(s), up to ${rowEnds.length} at once`),
      laneRows,
    ),
  );
}
if (!lanes.size) timeline.append(el("p", { class: "hint" }, "No task has started."));
timeline.append(
  el(
    "div",
    { class: "axis" },
    el("span", {}, "0"),
    el("span", {}, fmtDuration(span / 2)),
    el("span", {}, fmtDuration(span)),
  ),
);

const failures = rows.filter((r) => r.state === "failed" || r.state === "stopped");
document
  .getElementById("failures")
  .append(
    ...(failures.length
      ? failures.flatMap((r) => [
          el(
            "div",
            {},
            el("span", { class: `state ${r.state}` }, r.state),
            " ",
            el("b", {}, r.task),
            " ",
            el("span", { class: "mono" }, r.loc),
          ),
          el("pre", { class: "reason" }, r.reason ?? ""),
        ])
      : [el("p", { class: "hint" }, "No task failed.")]),
  );

function table(head, list) {
  return el(
    "table",
    {},
    el("tr", {}, ...head.map((h) => el("th", {}, h))),
    ...list.map((cells) => el("tr", {}, ...cells.map((c, i) => el("td", i === 0 ? { class: "loc" } : {}, c ?? "")))),
  );
}

const slowest = rows
  .filter((r) => dur(r) !== undefined)
  .sort((a, b) => dur(b) - dur(a))
  .slice(0, 20);
document.getElementById("slowest").append(
  table(
    ["location", "task", "kind", "duration"],
    slowest.map((r) => [r.loc, r.task, r.kind, fmtDuration(dur(r))]),
  ),
);

const traceBox = el(
  "div",
  { class: "trace-table" },
  table(
    ["location", "task", "kind", "start", "end", "duration", "exit", "reason"],
    rows
      .slice(0, MAX_TABLE_ROWS)
      .map((r) => [r.loc, r.task, r.kind, fmtTime(r.start), fmtTime(r.end), fmtDuration(dur(r)), r.exit, r.reason]),
  ),
);
document.getElementById("trace").append(traceBox);
if (rows.length > MAX_TABLE_ROWS)
  document
    .getElementById("trace")
    .append(el("p", { class: "hint" }, `first ${MAX_TABLE_ROWS} of ${rows.length} tasks; trace.tsv has them all`));
document.getElementById("trace-download").href = URL.createObjectURL(
  new Blob([data.tsv], { type: "text/tab-separated-values" }),
);

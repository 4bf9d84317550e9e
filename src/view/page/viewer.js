// The run viewer page: a tree of the run's nodes whose states the server pushes (Server-Sent
// Events), a detail pane for the selected node, search, and restart (with the token given in
// the address the viewer printed: #token=...).
"use strict";

const STATES = ["waiting", "running", "done", "failed", "stopped"];
const SHOWN_CHILDREN = 100;
const $ = (id) => document.getElementById(id);

const fromHash = /token=([0-9a-f]+)/.exec(location.hash);
if (fromHash) {
  sessionStorage.setItem("viewer-token", fromHash[1]);
  history.replaceState(null, "", location.pathname + location.search);
}
const token = sessionStorage.getItem("viewer-token");

let runId = null;
let source = null;
let summary = null;
/** loc → {loc, kind, label, state, start, end, executor, reason, children} */
let nodes = new Map();
/** Opened or closed by the user; others are open when small (see isOpen). */
const opened = new Map([["-", true]]);
const AUTO_OPEN_CHILDREN = 20;
/** How many children are shown, for nodes with many. */
const shownCount = new Map();
let selected = null;

function el(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    // Through CSSOM: the page's content security policy allows no inline style attributes.
    else if (k === "style") e.style.cssText = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const k of kids) if (k !== null && k !== undefined) e.append(k instanceof Node ? k : String(k));
  return e;
}

function parentOf(loc) {
  const i = loc.lastIndexOf(".");
  return i < 0 ? null : loc.slice(0, i);
}

function compareLocs(a, b) {
  const as = a.split(".");
  const bs = b.split(".");
  for (let i = 0; i < Math.min(as.length, bs.length); i++) {
    if (as[i] === bs[i]) continue;
    if (as[i][0] !== bs[i][0]) return as[i][0] < bs[i][0] ? -1 : 1;
    return Number(as[i].slice(1)) - Number(bs[i].slice(1));
  }
  return as.length - bs.length;
}

function fmtDuration(ms) {
  if (ms === null || ms === undefined || ms < 0) return "";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

const fmtTime = (t) => (t ? new Date(t).toLocaleString() : "");

function upsert(w) {
  const [loc, kind, label, state, start, end, executor, reason] = w;
  let n = nodes.get(loc);
  const isNew = !n;
  if (!n) {
    n = { loc, children: [] };
    nodes.set(loc, n);
    const p = parentOf(loc);
    const pn = p === null ? null : nodes.get(p);
    if (pn) {
      pn.children.push(loc);
      if (pn.children.length > 1 && compareLocs(pn.children[pn.children.length - 2], loc) > 0)
        pn.children.sort(compareLocs);
    }
  }
  Object.assign(n, { kind, label, state, start, end, executor, reason });
  return isNew;
}

// ---------------------------------------------------------------------------------------------
// Tree

function isOpen(n) {
  const o = opened.get(n.loc);
  return o !== undefined ? o : n.children.length <= AUTO_OPEN_CHILDREN && depthOf(n.loc) <= 4;
}

function depthOf(loc) {
  return loc === "-" ? 0 : loc.split(".").length - 1;
}

function rowFor(n) {
  const hasKids = n.children.length > 0;
  const open = isOpen(n);
  const dur = n.start ? fmtDuration((n.end ?? (n.state === "running" ? Date.now() : n.start)) - n.start) : "";
  const row = el(
    "div",
    {
      class: `row${selected === n.loc ? " selected" : ""}`,
      "data-loc": n.loc,
      "data-state": n.state,
      role: "treeitem",
      style: `padding-left:${8 + depthOf(n.loc) * 16}px`,
    },
    el("span", { class: "twisty" }, hasKids ? (open ? "▾" : "▸") : ""),
    el("span", { class: `state ${n.state}` }, n.state),
    el("span", { class: "label" }, n.kind === "function" ? n.label : n.kind === "graph" ? n.label : `${n.label}`),
    el("span", { class: "loc" }, n.loc),
    hasKids ? el("span", { class: "muted" }, `(${n.children.length})`) : null,
    el("span", { class: "dur" }, dur),
  );
  row.addEventListener("click", (ev) => {
    if (hasKids && (ev.target.classList.contains("twisty") || selected === n.loc)) toggle(n.loc);
    select(n.loc);
  });
  return row;
}

function nodeBlock(loc) {
  const n = nodes.get(loc);
  const block = el("div", { class: "node", "data-block": loc });
  block.append(rowFor(n));
  if (isOpen(n) && n.children.length) block.append(kidsOf(n));
  return block;
}

function kidsOf(n) {
  const kids = el("div", { class: "kids" });
  const limit = shownCount.get(n.loc) ?? SHOWN_CHILDREN;
  for (const c of n.children.slice(0, limit)) kids.append(nodeBlock(c));
  if (n.children.length > limit) {
    kids.append(
      el(
        "div",
        {
          class: "more",
          style: `padding-left:${8 + (depthOf(n.loc) + 1) * 16}px`,
          onclick: () => {
            shownCount.set(n.loc, limit + SHOWN_CHILDREN * 5);
            rerender(n.loc);
          },
        },
        `… ${n.children.length - limit} more`,
      ),
    );
  }
  return kids;
}

function blockOf(loc) {
  return document.querySelector(`[data-block="${CSS.escape(loc)}"]`);
}

function rerender(loc) {
  const old = blockOf(loc);
  if (old) old.replaceWith(nodeBlock(loc));
}

function renderTree() {
  const tree = $("tree");
  tree.replaceChildren();
  if (nodes.has("-")) tree.append(nodeBlock("-"));
}

function toggle(loc) {
  opened.set(loc, !isOpen(nodes.get(loc)));
  rerender(loc);
}

function reveal(loc) {
  for (let p = parentOf(loc); p !== null; p = parentOf(p)) {
    opened.set(p, true);
    const pn = nodes.get(p);
    const i = pn ? pn.children.indexOf(loc) : -1;
    if (i >= (shownCount.get(p) ?? SHOWN_CHILDREN)) shownCount.set(p, i + 1);
    loc = p;
  }
  renderTree();
}

function updateRows(changed) {
  const parentsToRedo = new Set();
  for (const [loc, isNew] of changed) {
    if (isNew) {
      const p = parentOf(loc);
      if (p !== null && nodes.has(p) && isOpen(nodes.get(p))) parentsToRedo.add(p);
      continue;
    }
    const block = blockOf(loc);
    if (block) block.firstChild.replaceWith(rowFor(nodes.get(loc)));
  }
  for (const p of parentsToRedo) rerender(p);
}

// ---------------------------------------------------------------------------------------------
// Header: run list, counts, elapsed

async function loadRuns() {
  const runs = await (await fetch("/api/runs")).json();
  const sel = $("runs");
  sel.replaceChildren(
    ...runs.map((r) =>
      el("option", { value: r.id, "data-title": `${r.name} · ${r.folder}` }, `${r.name} · ${r.folder} · ${r.state}`),
    ),
  );
  const wanted = new URLSearchParams(location.search).get("run");
  const first = runs.find((r) => r.id === wanted) ?? runs[0];
  if (first) {
    sel.value = first.id;
    openRun(first.id);
  }
}

function renderSummary() {
  if (!summary) return;
  const st = $("run-state");
  st.textContent = summary.state;
  st.className = `badge ${summary.state}`;
  // The run list was read when the page opened: keep the open run's state in it current.
  const opt = $("runs").selectedOptions[0];
  if (opt) opt.textContent = `${opt.dataset.title} · ${summary.state}`;
  $("counts").replaceChildren(
    ...STATES.filter((s) => summary.tasks[s] > 0 || s === "done").map((s) =>
      el("span", { class: "count", "data-count": s }, el("b", {}, summary.tasks[s]), ` ${s}`),
    ),
  );
  tickElapsed();
}

function tickElapsed() {
  if (!summary || !summary.start) return;
  const end = summary.end ?? (summary.state === "running" || summary.state === "unfinished" ? Date.now() : null);
  $("elapsed").textContent = end ? `elapsed ${fmtDuration(end - summary.start)}` : "";
}
setInterval(tickElapsed, 1000);

function openRun(id) {
  runId = id;
  source?.close();
  nodes = new Map();
  selected = null;
  $("detail").replaceChildren(el("p", { class: "hint" }, "Select a node to see its task, values, times and errors."));
  source = new EventSource(`/api/events?run=${encodeURIComponent(id)}`);
  source.addEventListener("snapshot", (e) => {
    const d = JSON.parse(e.data);
    nodes = new Map();
    for (const w of d.nodes) upsert(w);
    summary = d.summary;
    $("live").textContent = d.watching ? "● live" : "● re-read every few seconds";
    renderSummary();
    renderTree();
    if (selected && nodes.has(selected)) showDetail(selected);
  });
  source.addEventListener("update", (e) => {
    const d = JSON.parse(e.data);
    const changed = d.nodes.map((w) => [w[0], upsert(w)]);
    summary = d.summary;
    renderSummary();
    updateRows(changed);
    if (selected && changed.some(([l]) => l === selected)) showDetail(selected);
  });
  source.onerror = () => ($("live").textContent = "○ reconnecting");
  source.onopen = () => ($("live").textContent = "● live");
}

$("runs").addEventListener("change", (e) => openRun(e.target.value));

// ---------------------------------------------------------------------------------------------
// Detail

function select(loc) {
  const prev = selected;
  selected = loc;
  for (const l of [prev, loc]) {
    const b = l && blockOf(l);
    if (b) b.firstChild.replaceWith(rowFor(nodes.get(l)));
  }
  showDetail(loc);
}

function valueBlock(v, loc, side) {
  const href = `/api/value?run=${encodeURIComponent(runId)}&loc=${encodeURIComponent(loc)}&side=${side}&port=${encodeURIComponent(v.port)}`;
  const head = el(
    "div",
    { class: "head" },
    el("b", {}, v.port),
    v.type ? el("span", { class: "muted" }, v.type) : null,
    el("span", { class: "muted" }, `${v.size} bytes`),
    v.from ? el("span", { class: "muted" }, `from ${v.from}`) : null,
    v.size > 0 ? el("a", { href, download: "" }, "download") : null,
  );
  const body = [];
  if (v.error) body.push(el("div", { class: "message" }, v.error));
  if (v.text !== undefined)
    body.push(el("pre", {}, v.text + (v.truncated ? "\n… (cut short; download for all of it)" : "")));
  if (v.hex !== undefined) body.push(el("pre", {}, `hex: ${v.hex}${v.truncated ? " …" : ""}`));
  return el("div", { class: "value", "data-port": `${side}:${v.port}` }, head, ...body);
}

let detailSeq = 0;
async function showDetail(loc) {
  const seq = ++detailSeq;
  const res = await fetch(`/api/node?run=${encodeURIComponent(runId)}&loc=${encodeURIComponent(loc)}`);
  if (seq !== detailSeq) return;
  const pane = $("detail");
  if (!res.ok) {
    pane.replaceChildren(el("p", { class: "hint" }, `${loc}: ${(await res.json()).error}`));
    return;
  }
  const d = await res.json();
  const rows = [
    ["location", d.loc],
    ["kind", d.kind],
    ["state", el("span", { class: `state ${d.state}` }, d.state)],
    ["started", fmtTime(d.start)],
    ["ended", fmtTime(d.end)],
    [
      "duration",
      d.start && d.end
        ? fmtDuration(d.end - d.start)
        : d.start && d.state === "running"
          ? `${fmtDuration(Date.now() - d.start)} so far`
          : "",
    ],
    ["executor", d.executor ?? ""],
    ["exit", d.exit ?? ""],
    ["contents", d.children ? `${d.children} nodes` : ""],
  ].filter(([, v]) => v !== "");
  const parts = [
    el("h2", {}, d.label),
    el("table", {}, ...rows.map(([k, v]) => el("tr", {}, el("th", {}, k), el("td", {}, v)))),
  ];
  if (d.reason) parts.push(el("h3", {}, "failure reason"), el("pre", { class: "reason", id: "reason" }, d.reason));
  if (d.stderrTail) parts.push(el("h3", {}, "stderr (last lines)"), el("pre", { id: "stderr" }, d.stderrTail));
  if (d.inputs.length) parts.push(el("h3", {}, "inputs"), ...d.inputs.map((v) => valueBlock(v, d.loc, "in")));
  if (d.outputs.length) parts.push(el("h3", {}, "outputs"), ...d.outputs.map((v) => valueBlock(v, d.loc, "out")));
  const restartable = d.loc !== "-" && /\.N\d+$/.test(d.loc) && d.state !== "waiting";
  if (restartable) {
    const button = el(
      "button",
      { id: "restart", disabled: token ? undefined : "" },
      "restart this node and what depends on it",
    );
    if (!token) button.setAttribute("disabled", "");
    else button.removeAttribute("disabled");
    button.addEventListener("click", () => restart(d.loc));
    parts.push(el("h3", {}, "restart"), button);
    if (!token)
      parts.push(el("p", { class: "hint" }, "Open the address the viewer printed (with #token=…) to restart nodes."));
  }
  pane.replaceChildren(...parts);
}

/** The outcome stays shown above the panes (the detail pane is redrawn when the run reloads). */
async function restart(loc) {
  const msg = $("restart-message");
  if (!confirm(`Restart ${loc}? It and every node that depends on it will run again when the run is resumed.`)) return;
  const res = await fetch(`/api/restart?run=${encodeURIComponent(runId)}&loc=${encodeURIComponent(loc)}`, {
    method: "POST",
    headers: { "x-viewer-token": token },
  });
  const d = await res.json();
  msg.textContent = res.ok
    ? `restarted ${d.loc}: ${d.removed.length} dependent node folder(s) removed, ${d.reopened.length} enclosing node(s) reopened. Resume the run to run them again (typespec-workers resume <run-dir>).`
    : `not restarted: ${d.error}`;
  msg.hidden = false;
}

// ---------------------------------------------------------------------------------------------
// Search

let searchTimer = null;
$("search").addEventListener("input", () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(runSearch, 150);
});

function runSearch() {
  const q = $("search").value.trim().toLowerCase();
  const box = $("search-results");
  if (!q) {
    box.hidden = true;
    box.replaceChildren();
    return;
  }
  const hits = [];
  for (const n of nodes.values()) {
    if (n.label.toLowerCase().includes(q) || n.loc.toLowerCase().includes(q)) hits.push(n);
    if (hits.length >= 100) break;
  }
  box.hidden = false;
  box.replaceChildren(
    el(
      "div",
      { class: "muted", style: "padding:2px 8px" },
      hits.length >= 100 ? "first 100 matches" : `${hits.length} match(es)`,
    ),
    ...hits.map((n) =>
      el(
        "div",
        {
          class: "row",
          "data-hit": n.loc,
          onclick: () => {
            reveal(n.loc);
            select(n.loc);
            blockOf(n.loc)?.scrollIntoView({ block: "center" });
          },
        },
        el("span", { class: `state ${n.state}` }, n.state),
        el("span", { class: "label" }, n.label),
        el("span", { class: "loc" }, n.loc),
      ),
    ),
  );
}

loadRuns();

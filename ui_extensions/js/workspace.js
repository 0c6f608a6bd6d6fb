// The project workspace: the runs table on the left (or full width), line charts of every metric,
// custom charts, media panels and system metrics on the right. The table's rows shown, minus the
// runs whose eye is off, are the runs the charts draw. `?run=<id>` narrows it to one run.

import { getJSON, pageUrl, stockExperimentUrl, stockRunUrl } from "./api.js";
import { defaultColor, saveColor, savedColors } from "./colors.js";
import { $, append, clear, fmt, h, params, showError } from "./dom.js";
import { loadLayout } from "./layoutstore.js";
import { lineChart } from "./linechart.js";
import { groupLabel, groupOf } from "./series.js";
import { mediaPanel } from "./media.js";
import { renderCustomChart, tableKeyOf } from "./render/customchart.js";
import { DEFAULT_POLL_MS, LivePoller } from "./live.js";
import { PanelBoard, lazy } from "./panels.js";
import { RunsTable } from "./runstable.js";

const MAX_DRAWN = [10, 30, 100];   // how many of the rows shown the charts draw (the series route's cap is 100)

class Workspace {
  constructor(project, data, focus) {
    this.project = project;
    this.experimentId = data.experiment_id;
    this.runs = data.runs.slice().sort((a, b) => a.start_time - b.start_time);
    this.focus = focus;
    const colors = savedColors(project);
    this.colors = new Map(this.runs.map((r, i) => [r.run_uuid, colors[r.run_uuid] || defaultColor(i)]));
    this.hidden = new Set();   // runs whose eye is off in the runs table
    this.rows = this.runs.slice().reverse();   // the table's rows shown, in its order
    this.maxDrawn = 30;
    this.options = { x: "auto", smoothing: 0, log: false, groupBy: "", agg: "mean", band: "minmax" };
    this.expanded = new Set();   // groups drawn with their runs as well as their mean line
    this._groupColors = new Map();
    this.timings = {};      // ms from a chart's request to its first drawing (preview or plotly)
    this.interactive = {};  // ms from a chart's request to its plotly chart
    this.charts = [];
    this.mediaPanels = [];
    this._media = new Map();
    this._details = new Map();
  }

  /** Add runs that appeared after the page opened (each with its colour); returns the new ones. */
  addRuns(fresh) {
    const known = new Set(this.runs.map((r) => r.run_uuid));
    const added = fresh.filter((r) => !known.has(r.run_uuid));
    if (!added.length) return added;
    const colors = savedColors(this.project);
    for (const run of added) {
      this.colors.set(run.run_uuid, colors[run.run_uuid] || defaultColor(this.runs.length));
      this.runs.push(run);
    }
    this.runs.sort((a, b) => a.start_time - b.start_time);
    return added;
  }

  /** The runs the charts draw: the focused run, else the first rows shown whose eye is on. */
  selectedRuns() {
    if (this.focus) return this.runs.filter((r) => r.run_uuid === this.focus);
    const limit = this.options.groupBy ? MAX_DRAWN[MAX_DRAWN.length - 1] : this.maxDrawn;
    const out = [];
    for (const run of this.rows) {
      if (out.length >= limit) break;
      if (!this.hidden.has(run.run_uuid)) out.push(run);
    }
    return out;
  }

  drawnCount() { return this.selectedRuns().length; }

  /** Every row shown whose eye is on (what summary panels plot: no cap). */
  shownRuns() {
    if (this.focus) return this.selectedRuns();
    return this.rows.filter((r) => !this.hidden.has(r.run_uuid));
  }
  color(run) { return this.colors.get(run.run_uuid); }

  /** A group's colour: the palette in the order groups are first seen. */
  groupColor(label) {
    if (!this._groupColors.has(label)) this._groupColors.set(label, defaultColor(this._groupColors.size));
    return this._groupColors.get(label);
  }

  /** {label: runs} of the runs drawn, by the current "group by", in the legend's order. */
  groups() {
    const out = new Map();
    if (!this.options.groupBy) return out;
    for (const run of this.selectedRuns()) {
      const label = groupOf(run, this.options.groupBy);
      if (!out.has(label)) out.set(label, []);
      out.get(label).push(run);
    }
    return new Map([...out].sort(([a], [b]) => String(a).localeCompare(String(b), undefined, { numeric: true })));
  }

  media(run) {
    if (!this._media.has(run.run_uuid)) {
      this._media.set(run.run_uuid, getJSON("media", { run: run.run_uuid }).then((d) => d.media));
    }
    return this._media.get(run.run_uuid);
  }

  detail(run) {
    if (!this._details.has(run.run_uuid)) this._details.set(run.run_uuid, getJSON("run", { run: run.run_uuid }));
    return this._details.get(run.run_uuid);
  }
}

function stateBadge(state) {
  return h("span", { class: `state ${state}` }, state);
}

function controls(ws, metricKeys, onChange) {
  const x = h("select", { id: "x-axis" },
    h("option", { value: "auto" }, "Step (or its define_metric axis)"), h("option", { value: "_step" }, "Step"),
    h("option", { value: "_runtime" }, "Relative time"), h("option", { value: "_timestamp" }, "Wall time"),
    metricKeys.map((k) => h("option", { value: k }, k)));
  const smoothing = h("input", { id: "smoothing", type: "range", min: 0, max: 0.99, step: 0.01, value: 0 });
  const smoothingValue = h("span", {}, "0");
  const log = h("input", { id: "log-scale", type: "checkbox" });
  const tags = [...new Set(ws.runs.flatMap((r) => r.tags || []))].sort();
  const configKeys = [...new Set(ws.runs.flatMap((r) => Object.keys(r.config || {})))].sort();
  const group = h("select", { id: "group-by" }, h("option", { value: "" }, "none"), h("option", { value: "group" }, "group"),
    h("option", { value: "job_type" }, "job type"), configKeys.map((k) => h("option", { value: `config:${k}` }, `config: ${k}`)),
    tags.map((t) => h("option", { value: `tag:${t}` }, `tag: ${t}`)));
  const drawn = h("select", { id: "max-drawn", title: "How many of the rows shown the charts draw" },
    MAX_DRAWN.map((n) => h("option", { value: n, selected: n === ws.maxDrawn }, `first ${n}`)));
  drawn.addEventListener("change", () => { ws.maxDrawn = Number(drawn.value); onChange(); });
  const agg = h("select", { id: "group-agg", title: "The line drawn for a group" },
    h("option", { value: "mean" }, "mean"), h("option", { value: "median" }, "median"));
  const bandKind = h("select", { id: "group-band", title: "The band drawn around it" },
    h("option", { value: "minmax" }, "min-max"), h("option", { value: "std" }, "std dev"), h("option", { value: "none" }, "no band"));
  const groupList = h("div", { id: "groups", class: "groups" });
  const drawGroups = () => {
    clear(groupList);
    agg.disabled = bandKind.disabled = !ws.options.groupBy;
    for (const [label, runs] of ws.groups()) {
      const open = ws.expanded.has(label);
      const toggle = h("button", { class: "expand", title: open ? "Draw only the group's line" : "Also draw the group's runs" },
        open ? "\u25be" : "\u25b8");
      toggle.addEventListener("click", () => ws.toggleGroup(label));
      groupList.append(h("span", { class: `group-chip${open ? " open" : ""}`, dataset: { group: label } }, toggle,
        h("span", { class: "swatch", style: { background: ws.groupColor(label) } }), groupLabel(label, runs.length)));
    }
  };
  ws.drawGroups = drawGroups;
  // One open/closed state per group, for the legend chips and the table's group rows alike.
  ws.toggleGroup = (label) => {
    if (ws.expanded.has(label)) ws.expanded.delete(label); else ws.expanded.add(label);
    drawGroups();
    ws.table?.regroup();
    onChange(true);
  };
  agg.addEventListener("change", () => { ws.options.agg = agg.value; onChange(true); });
  bandKind.addEventListener("change", () => { ws.options.band = bandKind.value; onChange(true); });
  x.addEventListener("change", () => { ws.options.x = x.value; onChange(); });
  smoothing.addEventListener("input", () => { ws.options.smoothing = Number(smoothing.value); smoothingValue.textContent = smoothing.value; onChange(true); });
  log.addEventListener("change", () => { ws.options.log = log.checked; onChange(true); });
  group.addEventListener("change", () => {
    ws.options.groupBy = group.value;
    ws.expanded.clear();
    ws._groupColors.clear();
    drawGroups();
    ws.table?.regroup();
    onChange();  // grouping draws more runs (all rows shown, up to 100)
  });
  drawGroups();
  return h("div", { class: "card controls" }, h("label", {}, "X axis", x), h("label", {}, "Smoothing", smoothing, smoothingValue),
    h("label", {}, log, "Log scale"), h("label", {}, "Group by", group, agg, bandKind), ws.focus ? null : h("label", {}, "Runs drawn", drawn),
    groupList);
}

async function overview(ws, runUuid) {
  const detail = await getJSON("run", { run: runUuid });
  const kv = (obj) => h("div", { class: "kv" }, Object.entries(obj).flatMap(([k, v]) => [h("div", {}, k), h("div", {}, fmt(v))]));
  return h("div", { class: "card", id: "overview" },
    h("h2", {}, detail.name, " ", stateBadge(detail.state)),
    h("div", { class: "muted" }, `id ${detail.id} \u00b7 project ${detail.project}`, detail.group ? ` \u00b7 group ${detail.group}` : ""),
    h("div", {}, (detail.tags || []).map((t) => h("span", { class: "pill" }, t))),
    detail.notes ? h("p", {}, detail.notes) : null,
    h("p", {}, h("a", { href: stockRunUrl(detail.experiment_id, runUuid), id: "open-in-mlflow" }, "Open this run in the MLflow UI \u2197"), " \u00b7 ",
      h("a", { href: pageUrl("workspace", { project: ws.project }) }, "All runs of the project")),
    artifactLinks(detail.artifacts),
    h("div", { class: "layout", style: { gridTemplateColumns: "1fr 1fr" } },
      h("div", {}, h("h3", {}, "Config"), kv(detail.config || {})), h("div", {}, h("h3", {}, "Summary"), kv(detail.summary || {}))));
}

function artifactLinks(artifacts) {
  const links = (list) => list.map((a) => h("a", { class: "pill", href: pageUrl("artifacts", { project: a.project, name: a.name.split(":")[0],
    version: a.version }) }, `${a.name.split(":")[0]}:${a.version}`));
  const { logged = [], used = [] } = artifacts || {};
  if (!logged.length && !used.length) return null;
  return h("p", { id: "run-artifacts" }, logged.length ? ["Logged artifacts: ", links(logged)] : null,
    used.length ? [" Used artifacts: ", links(used)] : null);
}

async function customCharts(ws) {
  const sources = new Map();
  for (const run of ws.selectedRuns()) {
    const detail = await ws.detail(run);
    const media = await ws.media(run);
    for (const [key, panel] of Object.entries(detail.visualize || {})) {
      const tableKey = tableKeyOf(panel);
      const entry = tableKey && media[tableKey];
      if (!entry) continue;
      if (!sources.has(key)) sources.set(key, []);
      sources.get(key).push({ run, panel, tableKey, desc: entry.values[entry.values.length - 1] });
    }
  }
  return [...sources].map(([key, list]) => renderCustomChart(key, list));
}

async function build(root, ws, savedLayout) {
  const metricKeys = [...new Set(ws.runs.flatMap((r) => r.metrics))].sort();
  const systemKeys = [...new Set(ws.runs.flatMap((r) => r.system))].sort();
  const custom = h("div", { class: "grid", id: "custom-charts" });
  const media = h("div", { id: "media" });
  const system = h("details", { id: "system" }, h("summary", {}, `System metrics (${systemKeys.length})`));

  const customSection = h("section", { class: "group" }, h("h2", {}, "Custom charts"), custom);
  const rebuildMedia = async () => {
    clear(custom).append(...await customCharts(ws));
    customSection.hidden = custom.children.length === 0;
    const kinds = new Map();
    for (const run of ws.selectedRuns()) {
      for (const [key, entry] of Object.entries(await ws.media(run))) if (!kinds.has(key)) kinds.set(key, entry.type);
    }
    ws.mediaPanels = [...kinds].sort(([a], [b]) => a.localeCompare(b)).map(([key, kind]) => mediaPanel(key, kind, ws));
    append(clear(media), ws.mediaPanels.length ? h("h2", {}, `Media (${ws.mediaPanels.length})`) : null,
      h("div", { class: "grid" }, ws.mediaPanels.map((p) => p.node)));
    await Promise.all(ws.mediaPanels.map((p) => p.refresh()));
  };
  ws.rebuildMedia = rebuildMedia;
  const onChange = (renderOnly = false) => {
    if (ws.drawGroups) ws.drawGroups();
    if (ws.table) ws.table.updateCount();
    for (const chart of ws.charts) if (chart.loaded()) (renderOnly ? chart.render() : chart.refresh());
    if (!renderOnly) rebuildMedia();
  };

  const board = new PanelBoard(ws, metricKeys, savedLayout);
  ws.board = board;
  const charts = board.node;
  // System metrics: one chart per key, below the panels; keys a live run logs later are added.
  const systemGrid = h("div", { class: "grid" });
  system.append(systemGrid);
  const systemCharted = new Set();
  const addSystemChart = (key) => {
    if (systemCharted.has(key)) return;
    systemCharted.add(key);
    const chart = lazy(lineChart(key, ws));
    ws.charts.push(chart);
    systemGrid.append(chart.node);
  };
  systemKeys.forEach(addSystemChart);
  ws.onNewKeys = () => {
    board.addKeys([...new Set(ws.runs.flatMap((r) => r.metrics))]);
    ws.runs.forEach((r) => r.system.forEach(addSystemChart));
    system.hidden = systemGrid.children.length === 0;
  };

  let pending = 0;
  const table = new RunsTable(ws, {
    onRows: (rows) => {
      ws.rows = rows;
      clearTimeout(pending);  // typing in the filter box: redraw once it settles
      if (ws.built) pending = setTimeout(() => onChange(), 60);
    },
    onColor: (run, color) => { ws.colors.set(run.run_uuid, color); saveColor(ws.project, run.run_uuid, color); onChange(true); },
    onGroupToggle: (label) => ws.toggleGroup(label),
  });
  ws.table = table;
  const mainParts = [controls(ws, metricKeys, onChange)];
  if (ws.focus) mainParts.unshift(await overview(ws, ws.focus));
  system.hidden = systemKeys.length === 0;
  const layout = h("div", { class: "ws-layout" }, h("div", { class: "ws-table" }, table.node),
    h("div", { class: "ws-charts" }, mainParts, charts, customSection, media, system));
  ws.setTableWide = (wide) => layout.classList.toggle("table-wide", wide);
  clear(root).append(layout);
  table.renderRows();  // now that it has a height
  ws.built = true;
  await chartsInViewLoaded(ws);
  await rebuildMedia();
}

/** Wait (at most 3 s) for the charts in view to get their first data: custom charts and media
 * read every drawn run (two requests each), which would otherwise compete with the charts for
 * the server; a 2,000-run project's first chart came 1.3 s later because of it. */
async function chartsInViewLoaded(ws) {
  await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  const loading = ws.charts.map((chart) => chart.firstLoad).filter(Boolean);
  await Promise.race([Promise.allSettled(loading), new Promise((resolve) => setTimeout(resolve, 3000))]);
}

async function main() {
  const root = $("#root");
  const query = params();
  let project = query.get("project");
  const focus = query.get("run");
  try {
    if (!project && focus) project = (await getJSON("run", { run: focus })).project;
    if (!project && query.get("experiment")) {
      const found = (await getJSON("projects")).projects.find((p) => p.experiment_id === query.get("experiment"));
      project = found && found.name;
    }
    if (!project) throw new Error("no project: open a project from the TrackLab home page");
    // The layout is read from the store while the runs are: neither waits for the other.
    const [data, savedLayout] = await Promise.all([getJSON("runs-table", { project }),
      loadLayout(project).catch(() => null)]);
    document.title = `${project} \u00b7 TrackLab`;
    $("#project-title").textContent = project;
    const mlflow = $("#open-experiment");
    mlflow.href = stockExperimentUrl(data.experiment_id);
    $("#open-sweeps").href = pageUrl("sweep", { project });
    $("#open-artifacts").href = pageUrl("artifacts", { project });
    const ws = new Workspace(project, data, focus);
    window.tracklab = ws;
    await build(root, ws, savedLayout);
    document.body.dataset.state = "ready";
    // `?poll=<ms>` sets how often live runs are re-read (5 s by default).
    const every = Math.max(200, Number(query.get("poll")) || DEFAULT_POLL_MS);
    ws.live = new LivePoller(ws, every).start();
    if (!focus) ws.live.watch();
  } catch (error) {
    showError(root, error);
    document.body.dataset.state = "error";
  }
}

main();

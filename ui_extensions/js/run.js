// The run page (`run.html?run=<MLflow run id>`): overview, charts, media, system metrics,
// console log, files and artifact lineage of one run. While the run is live the page polls:
// the overview and charts every few seconds, the console log more often.

import { getJSON, pageUrl, stockRunUrl } from "./api.js";
import { $, append, clear, fmt, h, params, showError } from "./dom.js";
import { lineChart } from "./linechart.js";
import { mediaPanel } from "./media.js";
import { filesTable, lineage } from "./runfiles.js";
import { consoleLog } from "./runlog.js";

const OVERVIEW_MS = 4000;   // overview, charts, media and files of a live run
const LOG_MS = 2000;        // the console log of a live run
const COLOR = "#1f77b4";

/** What the shared chart and media panels read (see workspace.js): here, one run. */
class RunView {
  constructor(data) {
    this.options = { x: "auto", smoothing: 0, log: false, groupBy: "" };
    this.timings = {};
    this.interactive = {};
    this.charts = new Map();
    this.mediaPanels = new Map();
    this.lazy = new LazyCharts();
    this.update(data);
  }

  update(data) {
    this.data = data;
    this._media = null;
    this._detail = null;
  }

  selectedRuns() { return [this.data]; }
  color() { return COLOR; }

  media() {
    if (!this._media) this._media = getJSON("media", { run: this.data.run_uuid }).then((d) => d.media);
    return this._media;
  }

  detail() {
    if (!this._detail) this._detail = getJSON("run", { run: this.data.run_uuid });
    return this._detail;
  }
}

// -- overview -----------------------------------------------------------------------------------
function duration(seconds) {
  if (seconds === null || seconds === undefined) return "";
  const s = Math.round(seconds);
  const parts = [[Math.floor(s / 86400), "d"], [Math.floor(s / 3600) % 24, "h"], [Math.floor(s / 60) % 60, "m"], [s % 60, "s"]];
  const shown = parts.filter(([n], i) => n > 0 || i === parts.length - 1);
  return shown.map(([n, u]) => `${n}${u}`).join(" ");
}

/** Nested dicts as dotted keys (`optimizer.name`), as wandb's config table shows them. */
function flatten(obj, prefix = "", out = []) {
  for (const [key, value] of Object.entries(obj || {})) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (value && typeof value === "object" && !Array.isArray(value) && !("_type" in value)) flatten(value, name, out);
    else out.push([name, value]);
  }
  return out;
}

function cellText(value) {
  if (value && typeof value === "object" && "_type" in value) return `[${value._type}]`;
  return fmt(value);
}

function valuesTable(id, title, obj, empty) {
  const rows = flatten(obj).sort(([a], [b]) => a.localeCompare(b));
  return h("div", { class: "card", id }, h("h3", {}, `${title} (${rows.length})`),
    rows.length ? h("div", { class: "table-wrap" }, h("table", { class: "data" },
      h("thead", {}, h("tr", {}, h("th", {}, "Key"), h("th", {}, "Value"))),
      h("tbody", {}, rows.map(([k, v]) => h("tr", { dataset: { key: k } }, h("td", {}, k), h("td", { class: "value" }, cellText(v)))))))
      : h("p", { class: "muted" }, empty));
}

function gitCell(git) {
  if (!git || !git.commit) return null;
  const dirty = git.dirty === true ? h("span", { class: "git-dirty" }, " (uncommitted changes)")
    : git.dirty === false ? h("span", { class: "muted" }, " (clean)") : null;
  return [h("code", { title: git.commit }, git.commit), dirty, git.remote ? h("div", { class: "muted" }, git.remote) : null];
}

function infoTable(d) {
  const rows = [
    ["state", "State", h("span", { class: `state ${d.state}` }, d.state)],
    ["runtime", "Runtime", duration(d.runtime)],
    ["start", "Started", d.start_time ? new Date(d.start_time).toLocaleString() : ""],
    ["host", "Host", d.host],
    ["user", "User", d.user],
    ["os", "OS", d.os],
    ["python", "Python", d.python],
    ["command", "Command", d.command ? h("code", {}, d.command) : null],
    ["git", "Git commit", gitCell(d.git)],
    ["group", "Group", d.group],
    ["job_type", "Job type", d.job_type],
    ["sweep", "Sweep", d.sweep_id],
    ["tags", "Tags", (d.tags || []).map((t) => h("span", { class: "pill" }, t))],
    ["step", "Last step", d.last_step ?? null],
    ["id", "Run id", h("span", {}, d.id, h("span", { class: "muted" }, ` \u00b7 MLflow ${d.run_uuid}`))],
  ];
  const shown = rows.filter(([, , v]) => v !== null && v !== undefined && v !== "" && !(Array.isArray(v) && !v.length));
  return h("div", { class: "card", id: "run-info" }, h("h3", {}, d.name),
    d.notes ? h("p", { id: "run-notes" }, d.notes) : null,
    h("table", { class: "data info" }, h("tbody", {}, shown.map(([field, label, value]) =>
      h("tr", { dataset: { field } }, h("td", {}, label), h("td", { class: "value" }, value))))));
}

/** What the store does not hold yet (a live run) or never got (a run that stopped midway). */
function notice(d) {
  const lines = [];
  if (d.state === "running") {
    lines.push("This run is still running: the page shows what the store holds so far and follows it as the run " +
      "uploads more (files every few seconds).");
  } else if (["crashed", "failed", "killed"].includes(d.state)) {
    lines.push(`This run ${d.state === "killed" ? "was killed" : d.state}: the page shows what was stored before it stopped.`);
  }
  const missing = Object.entries(d.missing || {});
  if (!lines.length && !missing.length) return null;
  return h("div", { class: "run-notice", id: "run-notice", dataset: { missing: missing.map(([f]) => f).join(",") } },
    lines.map((l) => h("div", {}, l)),
    missing.length ? [h("div", {}, "Not stored for this run:"),
      h("ul", {}, missing.map(([file, why]) => h("li", {}, h("code", {}, file), `: ${why}`)))] : null);
}

// -- charts and media ---------------------------------------------------------------------------
/** Charts draw when first scrolled near (or their tab is opened): one observer for the page. */
class LazyCharts {
  constructor() {
    this.waiting = new Map();   // node -> chart not drawn yet
    this.observer = new IntersectionObserver((items) => items.filter((i) => i.isIntersecting).forEach((i) => this.draw(i.target)),
      { rootMargin: "300px" });
  }

  add(chart) {
    this.waiting.set(chart.node, chart);
    chart.loaded = () => !this.waiting.has(chart.node);
    this.observer.observe(chart.node);
    return chart;
  }

  draw(node) {
    const chart = this.waiting.get(node);
    if (!chart) return;
    this.waiting.delete(node);
    this.observer.unobserve(node);
    chart.refresh();
  }
}

/** A chart per key not drawn yet (a live run may log new keys), appended to `grid`. */
function addCharts(view, keys, grid) {
  for (const key of keys) {
    if (view.charts.has(key)) continue;
    const chart = view.lazy.add(lineChart(key, view));
    view.charts.set(key, chart);
    grid.append(chart.node);
  }
}

/** A panel per logged media key; panels are redrawn only when the run logged new media, so a
 * step chosen on a slider stays while a live run logs scalars. */
async function addMedia(view, grid) {
  if (!(view.data.objects || []).length) return;
  const media = await view.media();
  const signature = JSON.stringify(Object.entries(media).map(([key, entry]) => [key, entry.steps.length]));
  if (signature === view.mediaSignature) return;
  view.mediaSignature = signature;
  for (const key of Object.keys(media).sort()) {
    if (view.mediaPanels.has(key)) continue;
    const panel = mediaPanel(key, media[key].type, view);
    view.mediaPanels.set(key, panel);
    grid.append(panel.node);
  }
  await Promise.all([...view.mediaPanels.values()].map((p) => p.refresh()));
}

/** "Nothing here" in a grid without panels (a live run may add some later). */
function emptyNote(grid, text) {
  const note = grid.querySelector(":scope > .empty");
  if (grid.querySelector(".panel")) { if (note) note.remove(); } else if (!note) grid.append(h("p", { class: "muted empty" }, text));
}

const TABS = [["overview", "Overview"], ["charts", "Charts"], ["system", "System"], ["logs", "Logs"], ["files", "Files"],
  ["artifacts", "Artifacts"]];

/** The tab the address names (`run.html?run=...#logs`), else the overview. */
function currentTab() {
  const name = window.location.hash.replace(/^#/, "");
  return TABS.some(([tab]) => tab === name) ? name : "overview";
}

/** "Files (17)" in the tab's link once the page knows how many. */
function setCount(name, count) {
  const link = document.querySelector(`.run-nav a[data-tab='${name}']`);
  const title = TABS.find(([tab]) => tab === name)[1];
  if (link) link.textContent = count ? `${title} (${count})` : title;
}

// -- the page ----------------------------------------------------------------------------------
class RunPage {
  constructor(root, view) {
    this.root = root;
    this.view = view;
    this.notice = h("div", { id: "notice-slot" });
    this.overview = h("div", { id: "overview-body" });
    this.chartGrid = h("div", { class: "grid", id: "chart-grid" });
    this.mediaGrid = h("div", { class: "grid", id: "media-grid" });
    this.systemGrid = h("div", { class: "grid", id: "system-grid" });
    this.files = h("div", { id: "files-body" });
    this.artifacts = h("div", { id: "artifacts-body" });
    this.log = consoleLog(view.data.run_uuid);
  }

  build() {
    const bodies = {
      overview: [this.overview], charts: [this.chartGrid, h("h2", {}, "Media"), this.mediaGrid], system: [this.systemGrid],
      logs: [this.log.node], files: [this.files], artifacts: [this.artifacts],
    };
    this.tabs = new Map(TABS.map(([name, title]) => [name,
      h("section", { class: "run-section", id: `tab-${name}`, dataset: { tab: name } }, h("h2", {}, title), bodies[name])]));
    const nav = $(".run-nav");
    append(clear(nav), TABS.map(([name, title]) => h("a", { href: `#${name}`, dataset: { tab: name } }, title)));
    clear(this.root).append(h("div", { class: "run-page" }, this.notice, [...this.tabs.values()]));
    window.addEventListener("hashchange", () => this.show(currentTab()));
    this.show(currentTab());
  }

  show(name) {
    for (const [tab, node] of this.tabs) node.hidden = tab !== name;
    document.querySelectorAll(".run-nav a").forEach((a) => a.classList.toggle("current", a.dataset.tab === name));
    document.body.dataset.tab = name;
    window.dispatchEvent(new Event("resize"));  // plotly panels drawn while hidden take their size now
  }

  /** Draw everything from the current overview data; charts and media keep their panels. */
  async render() {
    const d = this.view.data;
    document.title = `${d.name} \u00b7 ${d.project} \u00b7 TrackLab`;
    $("#run-title").textContent = `${d.project} / ${d.name}`;
    $("#open-in-mlflow").href = stockRunUrl(d.experiment_id, d.run_uuid);
    $("#open-workspace").href = pageUrl("workspace", { project: d.project });
    // Redrawn only when something but the (ever-growing) runtime changed: a selection or a
    // scrolled table stays put while a live run is followed.
    const signature = JSON.stringify({ ...d, runtime: null });
    if (signature !== this.signature) {
      this.signature = signature;
      append(clear(this.notice), notice(d));
      append(clear(this.overview), h("div", { class: "overview-grid" }, infoTable(d),
        valuesTable("config", "Config", d.config, "No config stored."),
        valuesTable("summary", "Summary", d.summary, "No summary stored yet.")));
    } else {
      const runtime = this.overview.querySelector("#run-info tr[data-field='runtime'] td.value");
      if (runtime) runtime.textContent = duration(d.runtime);
    }
    addCharts(this.view, d.metrics || [], this.chartGrid);
    addCharts(this.view, d.system || [], this.systemGrid);
    emptyNote(this.chartGrid, "No metrics logged yet.");
    emptyNote(this.systemGrid, "No system metrics stored.");
    clear(this.artifacts).append(lineage(d.name, d.artifacts));
    const { files } = await getJSON("run/files", { run: d.run_uuid });
    clear(this.files).append(filesTable(d.run_uuid, files));
    setCount("charts", (d.metrics || []).length);
    setCount("system", (d.system || []).length);
    setCount("files", files.length);
    setCount("artifacts", ((d.artifacts || {}).used || []).length + ((d.artifacts || {}).logged || []).length);
    await addMedia(this.view, this.mediaGrid);
    emptyNote(this.mediaGrid, "No media logged.");
  }

  /** Re-read a live run; the last call (the run ended) draws its final state. */
  async refresh() {
    this.view.update(await getJSON("run/overview", { run: this.view.data.run_uuid }));
    await this.render();
    for (const chart of this.view.charts.values()) if (chart.loaded()) await chart.refresh(true);
    document.body.dataset.live = String(this.view.data.state === "running");
    return this.view.data.state === "running";
  }
}

/** Call `step` every `ms` while it returns true (and once more after the last true). */
function every(ms, step) {
  const tick = async () => {
    let again = true;
    try { again = await step(); } catch (error) { again = true; }
    if (again) setTimeout(tick, ms);
  };
  setTimeout(tick, ms);
}

async function main() {
  const root = $("#root");
  const runUuid = params().get("run");
  try {
    if (!runUuid) throw new Error("no run: open a run from a workspace (run.html?run=<MLflow run id>)");
    const view = new RunView(await getJSON("run/overview", { run: runUuid }));
    window.tracklab = view;
    const page = new RunPage(root, view);
    page.build();
    await page.render();
    let logLive = (await page.log.poll()).live;
    const live = view.data.state === "running";
    document.body.dataset.live = String(live);
    document.body.dataset.state = "ready";
    if (live) {
      every(OVERVIEW_MS, () => page.refresh());
      // Once the run has ended, keep polling until a poll brings nothing new (the last upload).
      every(LOG_MS, async () => { const { live: now, grew } = await page.log.poll(); const again = now || logLive || grew; logLive = now; return again; });
    }
  } catch (error) {
    showError(root, error);
    document.body.dataset.state = "error";
  }
}

main();

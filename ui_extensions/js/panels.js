// The workspace's panels: line charts (one or more keys, their own x axis, smoothing and range),
// scatter and bar charts of summary or config values across runs, and parallel coordinates.
// Panels can be added, edited, removed, resized and moved; the layout is saved in the store
// (layoutstore.js) and can be reset to the default: one line chart per metric, by key prefix.

import { clear, h, plotText } from "./dom.js";
import { fieldValue } from "./filter.js";
import { resetLayout, saveLayout } from "./layoutstore.js";
import { lineChart } from "./linechart.js";
import { plot as draw } from "./plot.js";
import { columnLabel, keysOf } from "./runstable.js";

const TOP = "Panels";        // the section user-added panels go to
const WIDTHS = [2, 3, 6];    // of a 6-column grid: a third, half, the full width
const HEIGHTS = { s: 200, m: 280, l: 420 };
const KINDS = { line: "Line chart", scatter: "Scatter (summary)", bar: "Bar (summary)", parallel: "Parallel coordinates" };

/** Chart `chart` once it scrolls near the view (a project can have hundreds of keys). */
export function lazy(chart) {
  let seen = false;
  const observer = new IntersectionObserver((items) => {
    if (items.some((i) => i.isIntersecting) && !seen) { seen = true; chart.firstLoad = chart.refresh(); observer.disconnect(); }
  }, { rootMargin: "300px" });
  observer.observe(chart.node);
  chart.loaded = () => seen;
  return chart;
}

/** The section a metric's chart belongs to: its prefix before "/", else "Charts". */
export function sectionOf(key) {
  return key.includes("/") ? key.split("/")[0] : "Charts";
}

/** The layout when none is saved: one line chart per metric key. */
export function defaultLayout(metricKeys) {
  const sorted = metricKeys.slice().sort();
  return { version: 1, panels: sorted.map((k) => ({ id: `line:${k}`, type: "line", keys: [k], section: sectionOf(k), w: 3, h: "m" })) };
}

function sectionOrder(a, b) {
  const rank = (s) => (s === TOP ? 0 : s === "Charts" ? 1 : 2);
  return rank(a) - rank(b) || a.localeCompare(b);
}

/** Columns a summary panel can plot: config and summary keys, and the run's times. */
function columnsOf(runs) {
  const { config, summary } = keysOf(runs);
  return [...config.map((k) => `config.${k}`), ...summary.map((k) => `summary.${k}`), "runtime", "created"];
}

function numeric(values) {
  return values.every((v) => v === undefined || v === null || typeof v === "number");
}

/** A scatter, bar or parallel-coordinates panel over the runs shown (eye on). */
function summaryChart(spec, ws) {
  const plot = h("div", { class: "chart summary-chart", dataset: { kind: spec.type, state: "idle" } });
  const note = h("div", { class: "muted note" });
  const node = h("div", { class: "panel" }, h("h3", {}, summaryTitle(spec)), plot, note);
  async function render() {
    const runs = ws.shownRuns();
    let traces = [];
    let layout = { margin: { l: 50, r: 10, t: 10, b: 40 }, hovermode: "closest", showlegend: false };
    let count = 0;
    if (spec.type === "scatter") {
      const kept = runs.filter((r) => typeof fieldValue(r, spec.x) === "number" && typeof fieldValue(r, spec.y) === "number");
      count = kept.length;
      traces = [{ type: "scatter", mode: "markers", x: kept.map((r) => fieldValue(r, spec.x)), y: kept.map((r) => fieldValue(r, spec.y)),
        text: kept.map((r) => plotText(r.name)), marker: { color: kept.map((r) => ws.color(r)), size: 8 },
        hovertemplate: "%{text}<br>%{x}, %{y}<extra></extra>" }];
      layout.xaxis = { title: { text: plotText(columnLabel(spec.x)) } };
      layout.yaxis = { title: { text: plotText(columnLabel(spec.y)) } };
    } else if (spec.type === "bar") {
      const kept = runs.filter((r) => typeof fieldValue(r, spec.key) === "number");
      count = kept.length;
      traces = [{ type: "bar", x: kept.map((r) => plotText(r.name)), y: kept.map((r) => fieldValue(r, spec.key)),
        marker: { color: kept.map((r) => ws.color(r)) } }];
      layout.yaxis = { title: { text: plotText(columnLabel(spec.key)) } };
      layout.margin.b = 70;
    } else {
      count = runs.length;
      const dimensions = (spec.columns || []).map((column) => {
        const values = runs.map((r) => fieldValue(r, column));
        if (numeric(values)) return { label: plotText(columnLabel(column)), values: values.map((v) => v ?? NaN) };
        const names = [...new Set(values.map((v) => String(v ?? "")))].sort();
        return { label: plotText(columnLabel(column)), values: values.map((v) => names.indexOf(String(v ?? ""))),
          tickvals: names.map((_, i) => i), ticktext: names.map(plotText) };
      });
      const last = dimensions[dimensions.length - 1];
      traces = dimensions.length ? [{ type: "parcoords", dimensions,
        line: { color: last.values, colorscale: "Viridis", showscale: true } }] : [];
      layout = { margin: { l: 60, r: 60, t: 40, b: 20 } };
    }
    plot.dataset.state = "loading";
    await draw(plot, traces, layout);
    plot.dataset.state = "ready";
    plot.dataset.runs = String(count);
    clear(note).append(`${count} run(s)`);
  }
  return { node, refresh: render, render, update: render, loaded: () => true };
}

function summaryTitle(spec) {
  if (spec.type === "scatter") return `${columnLabel(spec.y)} vs ${columnLabel(spec.x)}`;
  if (spec.type === "bar") return columnLabel(spec.key);
  return `Parallel coordinates (${(spec.columns || []).map(columnLabel).join(", ")})`;
}

/** A line panel: `lineChart` with the panel's keys, x axis, smoothing and ranges over the workspace's. */
function linePanel(spec, ws) {
  const view = Object.create(ws);
  Object.defineProperty(view, "options", {
    get: () => ({ ...ws.options, keys: spec.keys, ...(spec.x ? { x: spec.x } : {}),
      ...(typeof spec.smoothing === "number" ? { smoothing: spec.smoothing } : {}), yRange: spec.yRange, xRange: spec.xRange }),
  });
  const chart = lazy(lineChart(spec.keys[0], view));
  chart.node.querySelector("h3").textContent = spec.keys.join(", ");
  return chart;
}

// What a panel's title carries while it is dragged (its id), so only panels accept the drop.
const DRAG_TYPE = "application/x-tracklab-panel";

export class PanelBoard {
  /** `ws`: the workspace; `saved`: the layout read from the store (null: the default). */
  constructor(ws, metricKeys, saved) {
    this.ws = ws;
    this.metricKeys = metricKeys;
    this.saved = Boolean(saved && Array.isArray(saved.panels));
    this.layout = this.saved ? saved : defaultLayout(metricKeys);
    this.status = h("span", { class: "layout-status muted" }, this.saved ? "Layout saved in the project" : "Default layout");
    this.kind = h("select", { class: "add-kind" }, Object.entries(KINDS).map(([v, label]) => h("option", { value: v }, label)));
    const add = h("button", { class: "add-panel" }, "Add panel");
    add.addEventListener("click", () => this.add(this.kind.value));
    const reset = h("button", { class: "reset-layout", title: "Back to one line chart per metric, for everyone using this store" }, "Reset layout");
    reset.addEventListener("click", () => this.reset());
    this.sections = h("div", { class: "board" });
    this.node = h("div", { id: "charts" }, h("div", { class: "card controls board-toolbar" }, this.kind, add, reset, this.status), this.sections);
    this.charts = [];
    this.build();
  }

  build() {
    for (const chart of this.charts) this.ws.charts.splice(this.ws.charts.indexOf(chart), 1);
    this.charts = [];
    const sections = new Map();
    for (const spec of this.layout.panels) {
      if (!sections.has(spec.section)) sections.set(spec.section, []);
      sections.get(spec.section).push(spec);
    }
    clear(this.sections);
    for (const [name, specs] of [...sections].sort(([a], [b]) => sectionOrder(a, b))) {
      const grid = h("div", { class: "board-grid" }, specs.map((spec) => this.panel(spec)));
      this.sections.append(h("section", { class: "group", dataset: { section: name } }, h("h2", {}, name), grid));
    }
  }

  panel(spec) {
    const chart = spec.type === "line" ? linePanel(spec, this.ws) : summaryChart(spec, this.ws);
    this.charts.push(chart);
    this.ws.charts.push(chart);
    const node = chart.node;
    node.classList.add("board-panel", `w-${spec.w || 3}`);
    node.dataset.panel = spec.id;
    node.dataset.type = spec.type;
    const plot = node.querySelector(".chart");
    plot.style.height = `${HEIGHTS[spec.h || "m"]}px`;
    const button = (cls, text, title, fn) => {
      const b = h("button", { class: cls, title }, text);
      b.addEventListener("click", fn);
      return b;
    };
    const tools = h("span", { class: "panel-tools" },
      button("move-left", "\u2190", "Move earlier", () => this.move(spec, -1)),
      button("move-right", "\u2192", "Move later", () => this.move(spec, 1)),
      button("resize-width", "\u2194", "Narrower / wider", () => this.resize(spec, "w")),
      button("resize-height", "\u2195", "Shorter / taller", () => this.resize(spec, "h")),
      button("edit", "\u2699", "Edit this panel", () => this.edit(spec, node)),
      button("remove", "\u2715", "Remove this panel", () => this.remove(spec)));
    node.querySelector("h3").after(tools);
    this.dragByTitle(spec, node);
    if (!chart.loaded()) return node;
    requestAnimationFrame(() => chart.refresh());
    return node;
  }

  /** Keys a live run logged after the page was built get a line chart (unless a panel was removed for them). */
  addKeys(keys) {
    const charted = new Set(this.layout.panels.flatMap((p) => p.keys || []));
    const removed = new Set(this.layout.removed || []);
    const fresh = keys.filter((k) => !charted.has(k) && !removed.has(k));
    if (!fresh.length) return;
    this.layout.panels.push(...defaultLayout(fresh).panels);
    this.build();
  }

  add(type) {
    const runs = this.ws.runs;
    const columns = columnsOf(runs);
    const { config, summary } = keysOf(runs);
    const firstSummary = summary.length ? `summary.${summary[0]}` : columns[0];
    const spec = { id: `${type}:${Date.now().toString(36)}`, type, section: TOP, w: 3, h: "m" };
    if (type === "line") spec.keys = [this.metricKeys[0]].filter(Boolean);
    if (type === "scatter") Object.assign(spec, { x: config.length ? `config.${config[0]}` : columns[0], y: firstSummary });
    if (type === "bar") spec.key = firstSummary;
    if (type === "parallel") spec.columns = [...config.slice(0, 5).map((k) => `config.${k}`), firstSummary].filter(Boolean);
    if (type === "line" && !spec.keys.length) return;
    this.layout.panels.unshift(spec);
    this.changed();
  }

  remove(spec) {
    this.layout.panels = this.layout.panels.filter((p) => p !== spec);
    if (spec.type === "line") this.layout.removed = [...new Set([...(this.layout.removed || []), ...spec.keys])];
    this.changed();
  }

  /** A panel is dragged by its title (the chart itself keeps its own drag: zoom) and dropped on
   * another panel: before it on that panel's left half, after it on the right half. */
  dragByTitle(spec, node) {
    const title = node.querySelector("h3");
    title.draggable = true;
    title.classList.add("drag-handle");
    title.addEventListener("dragstart", (event) => {
      event.dataTransfer.setData(DRAG_TYPE, spec.id);
      event.dataTransfer.effectAllowed = "move";
      node.classList.add("dragging");
    });
    title.addEventListener("dragend", () => node.classList.remove("dragging"));
    node.addEventListener("dragover", (event) => {
      if (!event.dataTransfer.types.includes(DRAG_TYPE)) return;
      event.preventDefault();
      node.classList.add("drop-target");
    });
    node.addEventListener("dragleave", () => node.classList.remove("drop-target"));
    node.addEventListener("drop", (event) => {
      node.classList.remove("drop-target");
      const id = event.dataTransfer.getData(DRAG_TYPE);
      if (!id) return;
      event.preventDefault();
      const box = node.getBoundingClientRect();
      this.place(id, spec, event.clientX > box.left + box.width / 2);
    });
  }

  /** Put the panel `id` just before (or `after`) `target`, in the target's section. */
  place(id, target, after) {
    const spec = this.layout.panels.find((p) => p.id === id);
    if (!spec || spec === target) return;
    const panels = this.layout.panels.filter((p) => p !== spec);
    spec.section = target.section;
    panels.splice(panels.indexOf(target) + (after ? 1 : 0), 0, spec);
    this.layout.panels = panels;
    this.changed();
  }

  /** Move a panel one place within its section (the buttons). */
  move(spec, step) {
    const same = this.layout.panels.filter((p) => p.section === spec.section);
    const other = same[same.indexOf(spec) + step];
    if (other) this.place(spec.id, other, step > 0);
  }

  resize(spec, what) {
    if (what === "w") spec.w = WIDTHS[(WIDTHS.indexOf(spec.w || 3) + 1) % WIDTHS.length];
    else spec.h = { s: "m", m: "l", l: "s" }[spec.h || "m"];
    this.changed();
  }

  edit(spec, node) {
    const existing = node.querySelector(".panel-editor");
    if (existing) { existing.remove(); return; }
    const columns = columnsOf(this.ws.runs);
    const select = (name, options, chosen, multiple = false) => h("select", { name, multiple, size: multiple ? 6 : null },
      options.map((o) => h("option", { value: o, selected: multiple ? (chosen || []).includes(o) : o === chosen }, columnLabel(o))));
    const number = (name, value, step = "any") => h("input", { name, type: "number", step, value: value ?? "" });
    const fields = [];
    const field = (label, input) => { fields.push(h("label", {}, label, input)); return input; };
    let read;
    if (spec.type === "line") {
      const keys = field("Keys", select("keys", this.metricKeys, spec.keys, true));
      const x = field("X axis", h("select", { name: "x" }, [["", "as the workspace"], ["auto", "Step (or its define_metric axis)"],
        ["_step", "Step"], ["_runtime", "Relative time"], ["_timestamp", "Wall time"], ...this.metricKeys.map((k) => [k, k])]
        .map(([v, t]) => h("option", { value: v, selected: (spec.x || "") === v }, t))));
      const smoothing = field("Smoothing (0-0.99, empty: as the workspace)", number("smoothing", spec.smoothing, "0.01"));
      const y0 = field("Y min", number("ymin", spec.yRange?.[0]));
      const y1 = field("Y max", number("ymax", spec.yRange?.[1]));
      const x0 = field("X min", number("xmin", spec.xRange?.[0]));
      const x1 = field("X max", number("xmax", spec.xRange?.[1]));
      const pair = (a, b) => (a.value !== "" && b.value !== "" ? [Number(a.value), Number(b.value)] : undefined);
      read = () => {
        const chosen = [...keys.selectedOptions].map((o) => o.value);
        if (!chosen.length) throw new Error("choose at least one key");
        const weight = smoothing.value === "" ? undefined : Number(smoothing.value);
        if (weight !== undefined && !(weight >= 0 && weight < 1)) throw new Error(`smoothing ${smoothing.value}: it must be between 0 and 0.99`);
        const yRange = pair(y0, y1);
        if (yRange && !(yRange[0] < yRange[1])) throw new Error(`Y min ${yRange[0]} must be below Y max ${yRange[1]}`);
        const xRange = pair(x0, x1);
        if (xRange && !(xRange[0] < xRange[1])) throw new Error(`X min ${xRange[0]} must be below X max ${xRange[1]}`);
        return { keys: chosen, x: x.value || undefined, smoothing: weight, yRange, xRange };
      };
    } else if (spec.type === "scatter") {
      const x = field("X", select("x", columns, spec.x));
      const y = field("Y", select("y", columns, spec.y));
      read = () => ({ x: x.value, y: y.value });
    } else if (spec.type === "bar") {
      const key = field("Value", select("key", columns, spec.key));
      read = () => ({ key: key.value });
    } else {
      const chosen = field("Columns (in order)", select("columns", columns, spec.columns, true));
      read = () => {
        const picked = [...chosen.selectedOptions].map((o) => o.value);
        if (picked.length < 2) throw new Error("choose at least two columns");
        return { columns: picked };
      };
    }
    const error = h("div", { class: "error editor-error" });
    const apply = h("button", { class: "apply" }, "Apply");
    apply.addEventListener("click", () => {
      try {
        Object.assign(spec, read());
      } catch (e) {
        error.textContent = e.message;
        return;
      }
      this.changed();
    });
    node.querySelector(".panel-tools").after(h("div", { class: "panel-editor" }, fields, apply, error));
  }

  /** Redraw and save the layout in the store. */
  async changed() {
    this.build();
    this.status.textContent = "Saving\u2026";
    try {
      await saveLayout(this.ws.experimentId, this.layout);
      this.saved = true;
      this.status.textContent = "Layout saved in the project";
      this.status.dataset.state = "saved";
    } catch (error) {
      this.status.textContent = `Layout not saved: ${error.message}`;
      this.status.dataset.state = "error";
    }
  }

  async reset() {
    try {
      await resetLayout(this.ws.experimentId);
    } catch (error) {
      this.status.textContent = `Layout not reset: ${error.message}`;
      this.status.dataset.state = "error";
      return;
    }
    this.layout = defaultLayout(this.metricKeys);
    this.saved = false;
    this.build();
    this.status.textContent = "Default layout";
    this.status.dataset.state = "reset";
  }
}

// The workspace's runs table: one row per run, built-in, config and summary columns chosen by the
// user, sorted and filtered in the page (2,000 runs in a few ms), only the rows in view rendered.
// The rows shown, in their order, minus the runs whose eye is off, are what the charts draw.
// With "group by" on, the body lists one row per group (its run count and aggregated values),
// each opened into its runs on a click, as wandb's grouped runs table does.

import { pageUrl } from "./api.js";
import { clear, fmt, h } from "./dom.js";
import { FilterError, fieldValue, parse, runtimeOf } from "./filter.js";
import { groupLabel, groupOf } from "./series.js";

export const ROW_HEIGHT = 28;
const BUFFER_ROWS = 12;
const BUILTIN = ["name", "state", "tags", "group", "created", "runtime"];
const LABELS = { name: "Name", state: "State", tags: "Tags", group: "Group", created: "Created", runtime: "Runtime",
  job_type: "Job type", id: "ID", sweep: "Sweep" };
const DEFAULT_KEYS = 8;   // config and summary columns shown at first, of each
const WIDTH = { name: 190, tags: 130, created: 140 };

/** Every config and summary key of `runs` (sorted), for the column picker. */
export function keysOf(runs) {
  const config = new Set();
  const summary = new Set();
  for (const run of runs) {
    for (const k of Object.keys(run.config || {})) config.add(k);
    for (const k of Object.keys(run.latest || {})) summary.add(k);
  }
  return { config: [...config].sort(), summary: [...summary].sort() };
}

/** The columns shown before the user picks: the built-ins, then config keys whose values differ
 * between runs (those are what a comparison is about), then the first summary keys. */
export function defaultColumns(runs) {
  const { config, summary } = keysOf(runs);
  const varying = config.filter((k) => new Set(runs.map((r) => JSON.stringify(r.config?.[k]))).size > 1);
  const chosen = (varying.length ? varying : config).slice(0, DEFAULT_KEYS);
  return [...BUILTIN, ...chosen.map((k) => `config.${k}`), ...summary.slice(0, DEFAULT_KEYS).map((k) => `summary.${k}`)];
}

export function columnLabel(column) {
  return LABELS[column] || column.replace(/^(config|summary)\./, "");
}

/** The value of `column` for `run` as sorting sees it. */
function sortValue(run, column) {
  const value = fieldValue(run, column);
  if (Array.isArray(value)) return value.join(", ");
  return value;
}

function compareValues(a, b) {
  const missingA = a === undefined || a === null || a === "";
  const missingB = b === undefined || b === null || b === "";
  if (missingA || missingB) return missingA === missingB ? 0 : missingA ? 1 : -1;  // missing values last
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "number") return -1;
  if (typeof b === "number") return 1;
  const x = String(a), y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** `runs` sorted by `column` (`dir` 1 or -1), missing values last either way; stable. */
export function sortRuns(runs, column, dir) {
  const keyed = runs.map((run, i) => [sortValue(run, column), i, run]);
  keyed.sort((p, q) => {
    const missingP = p[0] === undefined || p[0] === null || p[0] === "";
    const missingQ = q[0] === undefined || q[0] === null || q[0] === "";
    if (missingP !== missingQ) return missingP ? 1 : -1;
    return dir * compareValues(p[0], q[0]) || p[1] - q[1];
  });
  return keyed.map((k) => k[2]);
}

export function formatDuration(seconds) {
  if (seconds === undefined || seconds === null) return "";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

function formatCreated(ms) {
  if (!ms) return "";
  const d = new Date(ms);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The text a cell shows (and CSV export writes). */
export function cellText(run, column) {
  if (column === "created") return formatCreated(run.start_time);
  if (column === "runtime") return formatDuration(runtimeOf(run));
  const value = fieldValue(run, column);
  if (Array.isArray(value)) return value.join(", ");
  // Five significant digits, as JavaScript writes the number (0.0001, 1e-7, 123.46).
  if (typeof value === "number" && !Number.isInteger(value)) return String(+value.toPrecision(5));
  return fmt(value);
}

/** A group row's cell: the mean of a numeric column (runtime too), else the value its runs share,
 * else how many different values they have. */
export function groupCellText(runs, column) {
  if (column === "created") return "";
  const values = runs.map((r) => (column === "runtime" ? runtimeOf(r) : fieldValue(r, column)))
    .filter((v) => v !== undefined && v !== null && v !== "");
  if (!values.length) return "";
  if (values.every((v) => typeof v === "number")) {
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    return column === "runtime" ? formatDuration(mean) : String(+mean.toPrecision(5));
  }
  const distinct = new Set(values.map((v) => JSON.stringify(v)));
  if (distinct.size === 1) return cellText(runs.find((r) => fieldValue(r, column) !== undefined) || runs[0], column);
  return `${distinct.size} values`;
}

/** The table body's items: each row as {run}, or with `by` set, a {group, runs} header per group
 * (in the charts' legend order) followed by its runs as {run, member} when the group is open. */
export function bodyItems(rows, by, open) {
  if (!by) return rows.map((run) => ({ run }));
  const groups = new Map();
  for (const run of rows) {
    const label = groupOf(run, by);
    if (!groups.has(label)) groups.set(label, []);
    groups.get(label).push(run);
  }
  const labels = [...groups.keys()].sort((a, b) => String(a).localeCompare(String(b), undefined, { numeric: true }));
  return labels.flatMap((group) => [{ group, runs: groups.get(group) },
    ...(open.has(group) ? groups.get(group).map((run) => ({ run, member: group })) : [])]);
}

function csvField(text) {
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** CSV of `runs` with `columns` (values as the cells show them, numbers in full). */
export function toCsv(runs, columns) {
  const lines = [["run_id", ...columns.map(columnLabel)].map(csvField).join(",")];
  for (const run of runs) {
    const cells = columns.map((c) => {
      const value = fieldValue(run, c);
      return typeof value === "number" && !["created", "runtime"].includes(c) ? String(value) : cellText(run, c);
    });
    lines.push([run.id, ...cells].map(csvField).join(","));
  }
  return lines.join("\n") + "\n";
}

function loadState(project) {
  try { return JSON.parse(localStorage.getItem(`tracklab.table.${project}`) || "{}"); } catch (e) { return {}; }
}

/** The runs table of a workspace. `ws` has runs, project, colours, the eye set (`hidden`);
 * `onRows()` is called when the rows shown (or their order, or an eye) change. */
export class RunsTable {
  constructor(ws, { onRows, onColor, onGroupToggle }) {
    this.ws = ws;
    this.onRows = onRows;
    this.onColor = onColor;
    this.onGroupToggle = onGroupToggle;
    this.items = [];
    const saved = { ...loadState(ws.project), ...(ws.layout?.table || {}) };
    const known = keysOf(ws.runs);
    const exists = (c) => BUILTIN.includes(c) || LABELS[c] || (c.startsWith("config.") && known.config.includes(c.slice(7)))
      || (c.startsWith("summary.") && known.summary.includes(c.slice(8)));
    this.columns = (saved.columns || defaultColumns(ws.runs)).filter(exists);
    if (!this.columns.includes("name")) this.columns.unshift("name");
    this.pinned = new Set(saved.pinned || ["name"]);
    this.sort = saved.sort || { column: "created", dir: -1 };
    this.filterText = saved.filter || "";
    this.predicate = () => true;
    try { this.predicate = parse(this.filterText); } catch (e) { this.filterText = ""; }
    this.rows = [];
    this.wide = false;
    this.build();
    this.apply();
  }

  save() {
    const state = { columns: this.columns, pinned: [...this.pinned], sort: this.sort, filter: this.filterText };
    try { localStorage.setItem(`tracklab.table.${this.ws.project}`, JSON.stringify(state)); } catch (e) { /* full */ }
    if (this.ws.onLayoutChange) this.ws.onLayoutChange("table", state);
  }

  /** Columns in display order: pinned ones first (in their chosen order), then the rest. */
  ordered() {
    return [...this.columns.filter((c) => this.pinned.has(c)), ...this.columns.filter((c) => !this.pinned.has(c))];
  }

  build() {
    this.filter = h("input", { class: "runs-filter", type: "search", value: this.filterText, spellcheck: "false",
      placeholder: "Filter: lr = 1e-3 and acc > 0.9", title: "Comparisons over config, summary, tags, state, name; and / or / not" });
    this.error = h("div", { class: "filter-error", role: "alert" });
    this.filter.addEventListener("keydown", (e) => { if (e.key === "Enter") this.setFilter(this.filter.value); });
    this.filter.addEventListener("input", () => {
      clearTimeout(this._typing);
      this._typing = setTimeout(() => this.setFilter(this.filter.value), 250);
    });
    this.count = h("span", { class: "runs-count muted" });
    this.picker = h("details", { class: "columns-picker" }, h("summary", {}, "Columns"));
    const csv = h("button", { class: "csv-export", title: "Download the rows shown as CSV" }, "CSV");
    csv.addEventListener("click", () => this.exportCsv());
    this.expand = h("button", { class: "table-expand", title: "Full width, or beside the charts" }, "Expand");
    this.expand.addEventListener("click", () => this.setWide(!this.wide));
    this.colgroup = h("colgroup");
    this.head = h("thead");
    this.body = h("tbody");
    this.table = h("table", { class: "runs-table", dataset: { state: "loading" } }, this.colgroup, this.head, this.body);
    this.scroller = h("div", { class: "runs-scroll" }, this.table);
    this.scroller.addEventListener("scroll", () => {
      if (!this._frame) this._frame = requestAnimationFrame(() => { this._frame = 0; this.renderRows(); });
    });
    this.node = h("div", { class: "card runs-card" },
      h("div", { class: "runs-toolbar" }, this.heading = h("h2", {}, `Runs (${this.ws.runs.length})`), this.count, this.picker, csv, this.expand),
      this.filter, this.error, this.scroller);
    this.renderPicker();
  }

  renderPicker() {
    const { config, summary } = keysOf(this.ws.runs);
    const box = (column) => {
      const input = h("input", { type: "checkbox", checked: this.columns.includes(column), dataset: { column } });
      input.addEventListener("change", () => {
        if (input.checked) this.columns.push(column); else this.columns = this.columns.filter((c) => c !== column);
        this.pinned.delete(column);
        this.save();
        this.render();
      });
      return h("label", {}, input, columnLabel(column));
    };
    const section = (title, columns) => columns.length ? h("div", { class: "picker-section" }, h("strong", {}, title), columns.map(box)) : null;
    clear(this.picker).append(h("summary", {}, "Columns"),
      h("div", { class: "picker-body" }, section("Run", [...BUILTIN.filter((c) => c !== "name"), "job_type", "id", "sweep"]),
        section("Config", config.map((k) => `config.${k}`)), section("Summary", summary.map((k) => `summary.${k}`))));
  }

  setFilter(text) {
    clearTimeout(this._typing);
    const started = performance.now();
    let predicate;
    try {
      predicate = parse(text);
    } catch (error) {
      if (!(error instanceof FilterError)) throw error;
      this.error.textContent = error.message;   // the table stays as it was
      this.filter.classList.add("invalid");
      return;
    }
    this.error.textContent = "";
    this.filter.classList.remove("invalid");
    if (text === this.filterText && this.table.dataset.state === "ready") return;
    this.filterText = text;
    this.predicate = predicate;
    this.scroller.scrollTop = 0;  // a new set of rows starts at its top
    this.apply();
    performance.measure("tracklab:table:filter", { start: started, end: performance.now() });
    this.save();
  }

  setSort(column) {
    const started = performance.now();
    this.sort = this.sort.column === column ? { column, dir: -this.sort.dir } : { column, dir: column === "created" ? -1 : 1 };
    this.apply();
    performance.measure("tracklab:table:sort", { start: started, end: performance.now() });
    this.save();
  }

  /** Filter and sort every run, render, and tell the charts. */
  apply() {
    const shown = this.ws.runs.filter((r) => this.predicate(r));
    this.rows = sortRuns(shown, this.sort.column, this.sort.dir);
    this.items = bodyItems(this.rows, this.ws.options.groupBy, this.ws.expanded);
    this.onRows(this.rows);
    if (!this.head.firstChild) return this.render();
    this.markSort();  // the header cells stay (a person may be about to click one again)
    this.renderRows();
    this.table.dataset.rows = String(this.rows.length);
    this.updateCount();
  }

  /** Re-render after the runs changed (live updates) keeping filter, sort and scroll. */
  refresh() { this.apply(); }

  /** List the rows again after "group by" changed or a group was opened or closed. */
  regroup() {
    this.items = bodyItems(this.rows, this.ws.options.groupBy, this.ws.expanded);
    this.renderRows();
  }

  setWide(wide) {
    this.wide = wide;
    this.expand.textContent = wide ? "Beside charts" : "Expand";
    this.ws.setTableWide?.(wide);
    this.renderRows();
    window.dispatchEvent(new Event("resize"));  // the charts take their new width
  }

  render() {
    const columns = this.ordered();
    const widths = [56, ...columns.map((c) => WIDTH[c] || 110)];
    clear(this.colgroup).append(...widths.map((w) => h("col", { style: { width: `${w}px` } })));
    this.table.style.width = `${widths.reduce((a, b) => a + b, 0)}px`;
    // Pinned columns stick to the left edge: their offsets are the widths before them.
    this.offsets = new Map();
    let left = widths[0];
    for (const [i, c] of columns.entries()) {
      if (!this.pinned.has(c)) break;
      this.offsets.set(c, left);
      left += widths[i + 1];
    }
    const headers = columns.map((column) => {
      const pin = h("button", { class: "pin", title: this.pinned.has(column) ? "Unpin" : "Pin to the left" }, this.pinned.has(column) ? "\u2715" : "\u21e4");
      pin.addEventListener("click", (e) => {
        e.stopPropagation();
        if (this.pinned.has(column)) this.pinned.delete(column); else this.pinned.add(column);
        this.save();
        this.render();
      });
      const th = h("th", { dataset: { column }, class: this.pinned.has(column) ? "pinned" : null, title: column },
        h("span", { class: "label" }, columnLabel(column)), h("span", { class: "arrow" }), column === "name" ? null : pin);
      if (this.offsets.has(column)) th.style.left = `${this.offsets.get(column)}px`;
      th.addEventListener("click", () => this.setSort(column));
      return th;
    });
    const eyeAll = h("input", { type: "checkbox", class: "eye-all", title: "Draw or hide every run shown" });
    eyeAll.addEventListener("change", () => {
      for (const r of this.rows) if (eyeAll.checked) this.ws.hidden.delete(r.run_uuid); else this.ws.hidden.add(r.run_uuid);
      this.renderRows();
      this.onRows(this.rows);
      this.updateCount();
    });
    this.eyeAll = eyeAll;
    clear(this.head).append(h("tr", {}, h("th", { class: "pinned eye", style: { left: "0px" } }, eyeAll), headers));
    this.markSort();
    this.renderRows();
    this.table.dataset.rows = String(this.rows.length);
    this.table.dataset.state = "ready";
    this.updateCount();
  }

  updateCount() {
    this.heading.textContent = `Runs (${this.ws.runs.length})`;  // runs may arrive while the page is open
    const hidden = this.rows.filter((r) => this.ws.hidden.has(r.run_uuid)).length;
    this.eyeAll.checked = hidden === 0;
    this.eyeAll.indeterminate = hidden > 0 && hidden < this.rows.length;
    this.count.textContent = `${this.rows.length} shown \u00b7 ${this.ws.drawnCount()} drawn`;
  }

  markSort() {
    for (const th of this.head.querySelectorAll("th[data-column]")) {
      const on = th.dataset.column === this.sort.column;
      th.querySelector(".arrow").textContent = on ? (this.sort.dir > 0 ? " \u25b2" : " \u25bc") : "";
      th.setAttribute("aria-sort", on ? (this.sort.dir > 0 ? "ascending" : "descending") : "none");
    }
  }

  /** Only the rows in (or near) view are in the document. */
  renderRows() {
    const columns = this.ordered();
    const view = this.scroller.clientHeight || 600;
    const span = Math.ceil(view / ROW_HEIGHT) + 2 * BUFFER_ROWS;
    // Clamped: after a filter leaves fewer rows, the old scroll position may lie past the end.
    const top = Math.floor(this.scroller.scrollTop / ROW_HEIGHT) - BUFFER_ROWS;
    const items = this.items;
    const first = Math.max(0, Math.min(top, items.length - span));
    const last = Math.min(items.length, first + span);
    const spacer = (rows) => h("tr", { class: "spacer", style: { height: `${rows * ROW_HEIGHT}px` } });
    const out = [];
    if (first > 0) out.push(spacer(first));
    for (let i = first; i < last; i++) {
      const item = items[i];
      out.push(item.group === undefined ? this.row(item.run, columns, item.member) : this.groupRow(item, columns));
    }
    if (last < items.length) out.push(spacer(items.length - last));
    clear(this.body).append(...out);
    this.table.dataset.first = String(first);
  }

  /** A group's row: open/close, its colour, label and run count, an eye for all its runs, and
   * each column aggregated over its runs (`groupCellText`). */
  groupRow({ group, runs }, columns) {
    const open = this.ws.expanded.has(group);
    const toggle = h("button", { class: "expand", title: open ? "Close the group" : "List (and draw) the group's runs" },
      open ? "\u25be" : "\u25b8");
    toggle.addEventListener("click", () => this.onGroupToggle(group));
    const hidden = runs.filter((r) => this.ws.hidden.has(r.run_uuid)).length;
    const eye = h("input", { type: "checkbox", class: "eye", title: "Draw or hide the group's runs", checked: hidden === 0 });
    eye.indeterminate = hidden > 0 && hidden < runs.length;
    eye.addEventListener("change", () => {
      for (const r of runs) if (eye.checked) this.ws.hidden.delete(r.run_uuid); else this.ws.hidden.add(r.run_uuid);
      this.renderRows();
      this.onRows(this.rows);
      this.updateCount();
    });
    const cells = columns.map((column) => {
      const content = column === "name"
        ? [toggle, h("span", { class: "swatch", style: { background: this.ws.groupColor(group) } }), groupLabel(group, runs.length)]
        : groupCellText(runs, column);
      const td = h("td", { dataset: { column }, class: this.pinned.has(column) ? "pinned" : null,
        title: column === "name" || !content ? null : `over the group's ${runs.length} run(s): the mean of numbers` }, content);
      if (this.offsets.has(column)) td.style.left = `${this.offsets.get(column)}px`;
      return td;
    });
    return h("tr", { class: `group-row${open ? " open" : ""}`, dataset: { group }, style: { height: `${ROW_HEIGHT}px` } },
      h("td", { class: "pinned eye", style: { left: "0px" } }, eye), cells);
  }

  row(run, columns, member = undefined) {
    const eye = h("input", { type: "checkbox", class: "eye", title: "Draw this run in the charts", checked: !this.ws.hidden.has(run.run_uuid) });
    eye.addEventListener("change", () => {
      if (eye.checked) this.ws.hidden.delete(run.run_uuid); else this.ws.hidden.add(run.run_uuid);
      this.onRows(this.rows);
      this.updateCount();
    });
    const color = h("input", { type: "color", value: this.ws.color(run), title: "Run colour" });
    color.addEventListener("change", () => this.onColor(run, color.value));
    const cells = columns.map((column) => {
      let content;
      if (column === "name") {
        content = h("a", { class: "name", href: pageUrl("run.html", { run: run.run_uuid }), title: `${run.name} (${run.id})` }, run.name);
      } else if (column === "state") {
        content = h("span", { class: `state ${run.state}` }, run.state);
      } else if (column === "tags") {
        content = (run.tags || []).map((t) => h("span", { class: "pill" }, t));
      } else {
        content = cellText(run, column);
      }
      const td = h("td", { dataset: { column }, class: this.pinned.has(column) ? "pinned" : null }, content);
      if (this.offsets.has(column)) td.style.left = `${this.offsets.get(column)}px`;
      return td;
    });
    return h("tr", { class: member === undefined ? "run-row" : "run-row member", dataset: { run: run.run_uuid },
      style: { height: `${ROW_HEIGHT}px` } },
      h("td", { class: "pinned eye", style: { left: "0px" } }, eye, color), cells);
  }

  exportCsv() {
    const text = toCsv(this.rows, this.ordered());
    const url = URL.createObjectURL(new Blob([text], { type: "text/csv" }));
    const link = h("a", { href: url, download: `${this.ws.project}-runs.csv` });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }
}

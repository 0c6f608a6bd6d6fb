// wandb Tables: sort by a column, filter rows, media cells shown inline.

import { fileUrl, getJSON } from "../api.js";
import { clear, fmt, h } from "../dom.js";

const PAGE = 200;

/** A table-file descriptor of `run`, loaded from the server (artifact copy preferred). */
export function renderTable(desc, run, ctx) {
  const node = h("div", { class: "table-media", dataset: { state: "loading" } }, h("div", { class: "muted" }, "loading table..."));
  getJSON("table", { run: run.run_uuid, path: desc.path, key: ctx.key, entry: desc.artifact_path || "" })
    .then((table) => tableView(node, table, run))
    .catch((error) => { clear(node).append(h("div", { class: "error" }, String(error.message || error))); });
  return node;
}

function tableView(node, table, run) {
  const columns = table.columns || [];
  const rows = table.data || [];
  let sortBy = -1;
  let descending = false;
  let query = "";
  const filter = h("input", { type: "search", placeholder: "Filter rows", class: "table-filter" });
  const count = h("span", { class: "muted table-count" });
  const wrap = h("div", { class: "table-wrap" });

  function draw() {
    const needle = query.toLowerCase();
    let shown = rows.filter((row) => !needle || row.some((cell) => cellText(cell).toLowerCase().includes(needle)));
    if (sortBy >= 0) {
      shown = shown.slice().sort((a, b) => compare(a[sortBy], b[sortBy]) * (descending ? -1 : 1));
    }
    const head = h("tr", {}, columns.map((name, i) => h("th", {
      dataset: { column: String(i) },
      onclick: () => { descending = sortBy === i ? !descending : false; sortBy = i; draw(); },
    }, String(name), sortBy === i ? (descending ? " \u25bc" : " \u25b2") : "")));
    const body = shown.slice(0, PAGE).map((row) => h("tr", {}, row.map((cell) => h("td", {}, cellNode(cell, run, table.base)))));
    clear(wrap).append(h("table", { class: "data" }, h("thead", {}, head), h("tbody", {}, body)));
    clear(count).append(`${shown.length} of ${rows.length} rows` + (shown.length > PAGE ? ` (first ${PAGE} shown)` : ""));
    node.dataset.rows = String(shown.length);
  }

  filter.addEventListener("input", () => { query = filter.value; draw(); });
  clear(node).append(h("div", { class: "controls" }, filter, count), wrap);
  node.dataset.state = "ready";
  draw();
}

function cellText(cell) {
  if (cell && typeof cell === "object") return cell.caption || cell._type || JSON.stringify(cell);
  return fmt(cell);
}

function compare(a, b) {
  if (typeof a === "number" && typeof b === "number") return a - b;
  return cellText(a).localeCompare(cellText(b), undefined, { numeric: true });
}

function cellNode(cell, run, base) {
  if (cell && typeof cell === "object" && typeof cell.path === "string") {
    const path = base ? `${base}/${cell.path}` : cell.path;
    const url = fileUrl(run.run_uuid, path);
    if (cell._type === "image-file") return h("img", { src: url, alt: cell.caption || "image" });
    if (cell._type === "audio-file") return h("audio", { src: url, controls: true, preload: "none" });
    return h("a", { href: url, target: "_blank", rel: "noopener" }, cell._type || "file");
  }
  return cellText(cell);
}

// The run page's files table and its artifact lineage (used -> this run -> logged), as wandb shows them.

import { fileUrl, pageUrl } from "./api.js";
import { h } from "./dom.js";

/** "12.3 KB" for a byte count. */
export function bytes(size) {
  if (size === null || size === undefined) return "";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = size;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit += 1; }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

export function filesTable(runUuid, files) {
  if (!files.length) return h("p", { class: "muted", id: "files-table" }, "No files stored for this run yet.");
  return h("div", { class: "table-wrap" }, h("table", { class: "data", id: "files-table", dataset: { files: String(files.length) } },
    h("thead", {}, h("tr", {}, h("th", {}, "File"), h("th", {}, "Size"))),
    h("tbody", {}, files.map((f) => h("tr", { dataset: { path: f.path } },
      h("td", {}, h("a", { href: fileUrl(runUuid, f.path), target: "_blank", rel: "noopener" }, f.path)),
      h("td", { class: "value" }, bytes(f.size)))))));
}

function artifactList(id, title, list, empty) {
  const name = (a) => a.name.split(":")[0];
  const items = list.map((a) => h("li", { dataset: { artifact: `${name(a)}:${a.version}` } },
    h("a", { href: pageUrl("artifacts", { project: a.project, name: name(a), version: a.version }) }, `${name(a)}:${a.version}`),
    " ", h("span", { class: "muted" }, a.type || ""), (a.aliases || []).map((alias) => h("span", { class: "pill" }, alias))));
  return h("div", { class: "card", id }, h("h3", {}, `${title} (${list.length})`),
    items.length ? h("ul", { class: "artifact-list" }, items) : h("p", { class: "muted" }, empty));
}

/** Inputs on the left, the run in the middle, outputs on the right. */
export function lineage(runName, artifacts) {
  const { used = [], logged = [] } = artifacts || {};
  return h("div", { class: "lineage" },
    artifactList("artifacts-used", "Used (inputs)", used, "This run used no artifact."),
    h("span", { class: "arrow" }, "\u2192"), h("span", { class: "this-run" }, runName), h("span", { class: "arrow" }, "\u2192"),
    artifactList("artifacts-logged", "Logged (outputs)", logged, "This run logged no artifact."));
}

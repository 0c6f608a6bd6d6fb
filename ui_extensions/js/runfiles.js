// The run page's files (a folder tree) and its artifact lineage (used -> this run -> logged), as wandb shows them.

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

/** The run's files as a tree: folders first (each with its file count and total size, closed
 * until clicked, as wandb's files tab), then the files, both by name. Every file is a row with
 * `data-path`, also those inside closed folders. */
export function filesTable(runUuid, files) {
  if (!files.length) return h("p", { class: "muted", id: "files-table" }, "No files stored for this run yet.");
  const body = h("tbody");
  const toggle = (row, open) => {
    row.classList.toggle("open", open);
    row.querySelector("button.expand").textContent = open ? "\u25be" : "\u25b8";
    const folder = row.dataset.folder;
    for (const child of body.querySelectorAll("tr[data-parent]")) {
      if (child.dataset.parent === folder) child.hidden = !open;
      else if (!open && child.dataset.parent.startsWith(folder)) {
        child.hidden = true;
        if (child.dataset.folder) toggle(child, false);
      }
    }
  };
  const add = (node, prefix, depth) => {
    const indent = { paddingLeft: `${6 + depth * 18}px` };
    const parent = prefix ? { parent: prefix } : {};
    for (const [name, child] of [...node.folders].sort(([a], [b]) => a.localeCompare(b))) {
      const path = `${prefix}${name}/`;
      const { count, size } = totals(child);
      const button = h("button", { class: "expand", title: "Open or close the folder" }, "\u25b8");
      const row = h("tr", { class: "folder", dataset: { folder: path, ...parent }, hidden: depth > 0 },
        h("td", { style: indent }, button, ` ${name}/ `, h("span", { class: "muted" }, `(${count} file${count === 1 ? "" : "s"})`)),
        h("td", { class: "value" }, bytes(size)));
      button.addEventListener("click", () => toggle(row, !row.classList.contains("open")));
      body.append(row);
      add(child, path, depth + 1);
    }
    for (const f of node.files.sort((a, b) => a.path.localeCompare(b.path))) {
      body.append(h("tr", { dataset: { path: f.path, ...parent }, hidden: depth > 0 },
        h("td", { style: indent }, h("a", { href: fileUrl(runUuid, f.path), target: "_blank", rel: "noopener" },
          f.path.slice(prefix.length))),
        h("td", { class: "value" }, bytes(f.size))));
    }
  };
  add(folderTree(files), "", 0);
  return h("div", { class: "table-wrap" }, h("table", { class: "data", id: "files-table", dataset: { files: String(files.length) } },
    h("thead", {}, h("tr", {}, h("th", {}, "File"), h("th", {}, "Size"))), body));
}

/** {folders: Map(name -> node), files: [file]} from the files' `/`-separated paths. */
export function folderTree(files) {
  const root = { folders: new Map(), files: [] };
  for (const file of files) {
    let node = root;
    for (const part of file.path.split("/").slice(0, -1)) {
      if (!node.folders.has(part)) node.folders.set(part, { folders: new Map(), files: [] });
      node = node.folders.get(part);
    }
    node.files.push(file);
  }
  return root;
}

function totals(node) {
  let count = node.files.length;
  let size = node.files.reduce((sum, f) => sum + (f.size || 0), 0);
  for (const child of node.folders.values()) {
    const inner = totals(child);
    count += inner.count;
    size += inner.size;
  }
  return { count, size };
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

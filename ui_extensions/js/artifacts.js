// The artifact view: a project's artifact collections, their versions and aliases, and one
// version's files, metadata and lineage (the run that logged it -> version -> runs that used it).

import { getJSON, pageUrl, stockRunUrl } from "./api.js";
import { $, clear, fmt, h, params, showError } from "./dom.js";

const STOCK = new URL("../", new URL("./", document.baseURI)).href;

function size(bytes) {
  if (bytes === null || bytes === undefined) return "";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit += 1; }
  return `${unit ? value.toFixed(1) : value} ${units[unit]}`;
}

function pills(aliases) {
  return (aliases || []).map((a) => h("span", { class: "pill" }, a));
}

function runLink(run) {
  if (!run) return h("span", { class: "muted" }, "unknown run");
  return h("span", { class: "lineage-run", dataset: { run: run.run_uuid } },
    h("a", { href: pageUrl("workspace", { run: run.run_uuid }) }, run.name), " ",
    h("a", { href: stockRunUrl(run.experiment_id, run.run_uuid), title: "Open in MLflow" }, "\u2197"),
    h("div", { class: "muted" }, `${run.project} \u00b7 ${run.id} \u00b7 ${run.state}`));
}

function collectionList(project, collections, current) {
  const byType = new Map();
  for (const c of collections) {
    if (!byType.has(c.type)) byType.set(c.type, []);
    byType.get(c.type).push(c);
  }
  return h("div", { class: "card" }, h("h2", {}, `Artifacts (${collections.length})`),
    [...byType].map(([type, items]) => h("div", {}, h("h3", {}, type), h("ul", {}, items.map((c) => h("li", {},
      h("a", { href: pageUrl("artifacts", { project, name: c.name }), class: c.name === current ? "current" : "",
        dataset: { collection: c.name } }, c.name), ` (${c.versions.length})`))))));
}

function versionsTable(project, collection, selected) {
  return h("table", { class: "data", id: "versions" },
    h("thead", {}, h("tr", {}, ["Version", "Aliases", "Created", "Size", "Files", "Digest", "MLflow"].map((t) => h("th", {}, t)))),
    h("tbody", {}, collection.versions.slice().reverse().map((v) => h("tr", { dataset: { version: v.version },
      class: v.version === selected ? "selected" : "" },
    h("td", {}, h("a", { href: pageUrl("artifacts", { project, name: collection.name, version: v.version }) }, v.version)),
    h("td", {}, pills(v.aliases)), h("td", {}, v.created_at), h("td", {}, size(v.size)), h("td", {}, String(v.file_count)),
    h("td", { class: "muted" }, (v.digest || "").slice(0, 12)),
    h("td", {}, v.mlflow_route ? h("a", { href: `${STOCK}#${v.mlflow_route}` }, `${v.mlflow_page || "model version"} \u2197`) : "")))));
}

function details(detail) {
  const kv = (obj) => h("div", { class: "kv" }, Object.entries(obj || {}).flatMap(([k, v]) => [h("div", {}, k), h("div", {}, fmt(v))]));
  const lineage = h("div", { class: "lineage", id: "lineage" },
    h("div", { class: "card" }, h("h3", {}, "Logged by"), runLink(detail.logged_by)),
    h("div", { class: "arrow" }, "\u2192"),
    h("div", { class: "card" }, h("h3", {}, detail.name), pills(detail.aliases), h("div", { class: "muted" }, detail.type)),
    h("div", { class: "arrow" }, "\u2192"),
    h("div", { class: "card" }, h("h3", {}, `Used by (${detail.used_by.length})`),
      detail.used_by.length ? detail.used_by.map(runLink) : h("span", { class: "muted" }, "no run yet")));
  const files = h("table", { class: "data", id: "files" },
    h("thead", {}, h("tr", {}, h("th", {}, "File"), h("th", {}, "Size"), h("th", {}, "Digest (MD5)"))),
    h("tbody", {}, detail.files.map((f) => h("tr", {}, h("td", {}, f.path, f.ref ? h("div", { class: "muted" }, `\u2192 ${f.ref}`) : null),
      h("td", {}, size(f.size)), h("td", { class: "muted" }, f.digest)))));
  return h("div", { id: "version-detail" },
    h("div", { class: "card" }, h("h2", {}, detail.name, " ", pills(detail.aliases)),
      detail.description ? h("p", {}, detail.description) : null,
      h("h3", {}, "Metadata"), kv(detail.metadata), h("h3", {}, "Lineage"), lineage,
      h("h3", {}, `Files (${detail.files.length})`), h("div", { class: "table-wrap" }, files)));
}

async function main() {
  const root = $("#root");
  const query = params();
  const project = query.get("project");
  try {
    if (!project) throw new Error("no project given");
    $("#artifacts-title").textContent = `Artifacts \u00b7 ${project}`;
    $("#open-workspace").href = pageUrl("workspace", { project });
    const { collections } = await getJSON("artifacts", { project });
    const name = query.get("name") || (collections[0] && collections[0].name);
    const collection = collections.find((c) => c.name === name);
    const main = h("div", {});
    clear(root).append(h("div", { class: "layout" }, collectionList(project, collections, name), main));
    if (!collection) {
      main.append(h("div", { class: "card muted" }, "No artifacts in this project yet."));
    } else {
      const version = query.get("version") || collection.versions[collection.versions.length - 1].version;
      main.append(h("div", { class: "card" }, h("h2", {}, `${collection.name} `, h("span", { class: "muted" }, collection.type)),
        collection.description ? h("p", {}, collection.description) : null, versionsTable(project, collection, version)));
      main.append(details(await getJSON("artifact", { project, name: collection.name, version })));
    }
    document.body.dataset.state = "ready";
  } catch (error) {
    showError(root, error);
    document.body.dataset.state = "error";
  }
}

main();

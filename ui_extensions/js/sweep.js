// The sweep view: parallel coordinates of every trial's parameters and metric, parameter
// importance from optuna, and the trials table. Without `?sweep=` it lists the project's sweeps.

import { getJSON, pageUrl, stockExperimentUrl, stockRunUrl } from "./api.js";
import { $, clear, fmt, h, params, plotText, showError } from "./dom.js";
import { plot } from "./plot.js";

function dimension(label, values) {
  const numeric = values.every((v) => typeof v === "number");
  if (numeric && values.every((v) => v > 0) && Math.max(...values) / Math.min(...values) >= 100) {
    // Spans of decades (learning rates): a log axis, labelled in the parameter's own units.
    const logs = values.map(Math.log10);
    const decades = [];
    for (let d = Math.floor(Math.min(...logs)); d <= Math.ceil(Math.max(...logs)); d++) decades.push(d);
    return { label: plotText(`${label} (log)`), values: logs, tickvals: decades, ticktext: decades.map((d) => `1e${d}`) };
  }
  if (numeric) return { label: plotText(label), values };
  const categories = [...new Set(values.map(String))].sort();
  return { label: plotText(label), values: values.map((v) => categories.indexOf(String(v))),
    tickvals: categories.map((_, i) => i), ticktext: categories.map(plotText) };
}

function parallel(node, data) {
  const trials = data.trials.filter((t) => typeof t.metrics[data.metric] === "number");
  const dims = data.params.map((p) => dimension(p, trials.map((t) => t.params[p] ?? "none")));
  const scores = trials.map((t) => t.metrics[data.metric]);
  dims.push({ label: plotText(data.metric), values: scores });
  node.dataset.trials = String(trials.length);
  // Best trials in yellow: the colour scale follows the sweep's goal.
  return plot(node, [{ type: "parcoords", dimensions: dims,
    line: { color: scores, colorscale: "Viridis", reversescale: data.goal !== "maximize", showscale: true } }], { margin: { l: 60, r: 60, t: 50, b: 20 } });
}

function importance(node, scores) {
  const entries = Object.entries(scores).sort((a, b) => a[1] - b[1]);
  node.dataset.params = String(entries.length);
  if (!entries.length) { node.append(h("p", { class: "muted" }, "Not enough trials for parameter importance.")); return null; }
  return plot(node, [{ type: "bar", orientation: "h", x: entries.map((e) => e[1]), y: entries.map((e) => plotText(e[0])),
    marker: { color: "#1f6feb" } }], { margin: { l: 120, r: 10, t: 10, b: 30 }, xaxis: { title: { text: "importance (optuna)" } } });
}

function trialsTable(data, experimentId) {
  const sign = data.goal === "maximize" ? -1 : 1;
  const score = (t) => (typeof t.metrics[data.metric] === "number" ? sign * t.metrics[data.metric] : Infinity);
  const sorted = data.trials.slice().sort((a, b) => score(a) - score(b));  // best first
  return h("table", { class: "data", id: "trials" },
    h("thead", {}, h("tr", {}, h("th", {}, "Run"), h("th", {}, "State"), h("th", {}, data.metric || "metric"), data.params.map((p) => h("th", {}, p)))),
    h("tbody", {}, sorted.map((t) => h("tr", { dataset: { run: t.run_uuid } },
      h("td", {}, h("a", { href: pageUrl("workspace", { run: t.run_uuid }) }, t.name), " ",
        h("a", { href: stockRunUrl(experimentId, t.run_uuid), title: "Open in MLflow" }, "\u2197")),
      h("td", {}, t.state), h("td", {}, fmt(t.metrics[data.metric])), data.params.map((p) => h("td", {}, fmt(t.params[p])))))));
}

async function showSweep(root, project, sweepId, metric) {
  const data = await getJSON("sweep", { project, sweep: sweepId, metric });
  $("#sweep-title").textContent = `Sweep ${sweepId} \u00b7 ${project}`;
  $("#open-experiment").href = stockExperimentUrl(data.experiment_id);
  const picker = h("select", { id: "metric" }, data.metrics.map((m) => h("option", { value: m, selected: m === data.metric }, m)));
  picker.addEventListener("change", () => {
    const url = new URL(window.location.href);
    url.searchParams.set("metric", picker.value);
    window.location.href = url.href;
  });
  const coords = h("div", { id: "parallel", class: "chart", style: { height: "360px" } });
  const bars = h("div", { id: "importance", class: "chart" });
  clear(root).append(
    h("div", { class: "card controls" }, h("label", {}, "Metric", picker),
      h("span", { class: "muted" }, `${data.trials.length} trials \u00b7 goal: ${data.goal}` + (data.method ? ` \u00b7 method: ${data.method}` : ""))),
    h("div", { class: "grid" }, h("div", { class: "panel wide" }, h("h3", {}, "Parallel coordinates"), coords),
      h("div", { class: "panel" }, h("h3", {}, `Parameter importance for ${data.metric || "-"}`), bars),
      h("div", { class: "panel" }, h("h3", {}, "Trials"), h("div", { class: "table-wrap" }, trialsTable(data, data.experiment_id)))));
  if (data.metric) await parallel(coords, data);
  await importance(bars, data.importance || {});
}

async function listSweeps(root, project) {
  const { sweeps } = await getJSON("sweeps", { project });
  clear(root).append(h("div", { class: "card" }, h("h2", {}, `Sweeps of ${project}`),
    sweeps.length ? h("ul", {}, sweeps.map((s) => h("li", {}, h("a", { href: pageUrl("sweep", { project, sweep: s.sweep_id }) }, s.sweep_id),
      ` (${s.runs} runs)`))) : h("p", { class: "muted" }, "No sweeps in this project.")));
}

async function main() {
  const root = $("#root");
  const query = params();
  const project = query.get("project");
  try {
    if (!project) throw new Error("no project given");
    $("#open-workspace").href = pageUrl("workspace", { project });
    if (query.get("sweep")) await showSweep(root, project, query.get("sweep"), query.get("metric"));
    else await listSweeps(root, project);
    document.body.dataset.state = "ready";
  } catch (error) {
    showError(root, error);
    document.body.dataset.state = "error";
  }
}

main();

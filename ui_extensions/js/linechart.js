// One line chart: a metric of the selected runs, downsampled by the server, drawn with plotly.

import { getJSON } from "./api.js";
import { withAlpha } from "./colors.js";
import { clear, h, plotText, showError } from "./dom.js";
import { plot as draw } from "./plot.js";
import { drawPreview } from "./preview.js";
import { aggregate, band, groupLabel, groupOf, smooth } from "./series.js";

const AXIS_TITLES = { _step: "Step", _runtime: "Relative time (s)", _timestamp: "Wall time" };

/** A chart panel for `key`; `workspace` gives runs, colours and options. Returns {node, refresh, render}. */
export function lineChart(key, workspace) {
  const plot = h("div", { class: "chart", dataset: { key, state: "idle" } });
  const note = h("div", { class: "muted note" });
  const node = h("div", { class: "panel" }, h("h3", { title: key }, key), plot, note);
  let data = null;
  let loadedFor = "";
  let started = 0;

  // A workspace panel may draw several keys (`options.keys`); the chart is still named by `key`.
  const keysOf = () => workspace.options.keys || [key];
  const has = (r) => keysOf().some((k) => r.metrics.includes(k) || r.system.includes(k));

  /** Series of `runs` for every key of the chart, in one list. */
  async function fetchSeries(runs, axis, points) {
    const ids = runs.map((r) => r.run_uuid).join(",");
    const answers = await Promise.all(keysOf().map((k) => getJSON("series", { runs: ids, key: k, x: axis, points })));
    return { series: answers.flatMap((a) => a.series) };
  }

  // One min/max pair per pixel column: the envelope the eye sees, whatever the run's length.
  const pointsWanted = () => Math.max(200, Math.min(2500, Math.round(plot.clientWidth || 600)));

  async function refresh(force = false) {
    const runs = workspace.selectedRuns().filter(has);
    const axis = workspace.options.x;
    const points = pointsWanted();
    const wanted = `${runs.map((r) => r.run_uuid).join(",")}|${axis}|${points}|${keysOf().join(",")}`;
    if (wanted === loadedFor && data && !force) return render();
    plot.dataset.state = "loading";
    started = performance.now();
    if (!runs.length) { data = { series: [] }; loadedFor = wanted; return render(); }
    try {
      data = await fetchSeries(runs, axis, points);
      loadedFor = wanted;
      if (!window.Plotly) preview();  // at once, while plotly.js starts
      await render();
      workspace.timings[key] = workspace.timings[key] ?? performance.now() - started;
      workspace.interactive[key] = workspace.interactive[key] ?? performance.now() - started;
      performance.mark(`tracklab:${key}:interactive`);
    } catch (error) {
      plot.dataset.state = "error";
      showError(note, error);
    }
  }

  function preview() {
    const byRun = new Map(workspace.selectedRuns().map((r) => [r.run_uuid, r]));
    const lines = (data.series || []).filter((s) => byRun.has(s.run) && s.x_axis !== "_timestamp")
      .map((s) => ({ x: s.x, y: s.y, color: workspace.color(byRun.get(s.run)), name: byRun.get(s.run).name }));
    if (!lines.length) return;
    drawPreview(plot, lines, { log: workspace.options.log });  // hover and zoom work from here on
    plot.dataset.state = "preview";
    workspace.timings[key] = performance.now() - started;
    workspace.interactive[key] = performance.now() - started;
    performance.mark(`tracklab:${key}:preview`);
    performance.mark(`tracklab:${key}:interactive`);
  }

  async function render() {
    const { smoothing, log, groupBy } = workspace.options;
    const byRun = new Map(workspace.selectedRuns().map((r) => [r.run_uuid, r]));
    const series = (data.series || []).filter((s) => byRun.has(s.run));
    const traces = groupBy ? groupedTraces(series, byRun, workspace, smoothing, groupBy)
      : runTraces(series, byRun, workspace, smoothing);
    const axes = [...new Set(series.map((s) => s.x_axis))];
    const xTitle = axes.length === 1 ? (AXIS_TITLES[axes[0]] || axes[0]) : "Step / step metric";
    const layout = {
      margin: { l: 50, r: 10, t: 6, b: 36 }, showlegend: traces.filter((t) => t.showlegend !== false).length <= 8,
      legend: { orientation: "h", y: -0.25, font: { size: 10 }, traceorder: "normal" }, hovermode: "closest",
      xaxis: { title: { text: plotText(xTitle), font: { size: 11 } }, type: axes[0] === "_timestamp" ? "date" : "linear",
        ...fixedRange(workspace.options.xRange, false) },
      yaxis: { type: log ? "log" : "linear", ...fixedRange(workspace.options.yRange, log) },
      // A zoom (or pan) survives redraws with new points or runs (live updates), and is
      // dropped when the axes change meaning: another x axis, log scale or set of keys.
      uirevision: `${workspace.options.x}|${log}|${keysOf().join(",")}`,
    };
    // A live update never redraws under a drag (plotly marks it): it would drop the zoom box.
    while (plot._dragging) await new Promise((resolve) => setTimeout(resolve, 50));
    await draw(plot, traces, layout);
    plot.querySelectorAll(".chart-preview").forEach((svg) => svg.remove());
    const total = series.reduce((a, s) => a + s.total, 0);
    const shown = series.reduce((a, s) => a + s.x.length, 0);
    plot.dataset.state = "ready";
    plot.dataset.points = String(shown);
    plot.dataset.total = String(total);
    plot.dataset.runs = String(series.length);
    node.hidden = series.length === 0;  // keys of runs that are not selected
    clear(note).append(series.length ? `${series.length} run(s), ${shown} of ${total} points` +
      (shown < total ? " (downsampled on the server, extremes kept)" : "") : "no data for the selected runs");
  }

  /** Re-read only `runIds` (live runs) and redraw: their new points are added, other runs are kept. */
  async function update(runIds) {
    if (!data || !data.series) return refresh(true);
    const wanted = workspace.selectedRuns().filter((r) => runIds.includes(r.run_uuid) && has(r));
    if (!wanted.length) return;
    const fresh = await fetchSeries(wanted, workspace.options.x, pointsWanted());
    const byRun = new Map(fresh.series.map((s) => [s.run, s]));
    data = { ...data, series: [...data.series.filter((s) => !byRun.has(s.run)), ...fresh.series] };
    await render();
  }

  return { node, refresh, render, update };
}

/** A panel's fixed axis range ([min, max], both numbers) as plotly's layout wants it (log10 on a log axis). */
function fixedRange(range, log) {
  if (!Array.isArray(range) || !range.every((v) => typeof v === "number" && Number.isFinite(v))) return {};
  if (log && range.some((v) => v <= 0)) return {};
  return { range: log ? range.map(Math.log10) : range.slice(), autorange: false };
}

function runTraces(series, byRun, workspace, weight) {
  const traces = [];
  const multi = new Set(series.map((s) => s.key)).size > 1;
  for (const s of series) {
    const run = byRun.get(s.run);
    const color = workspace.color(run);
    const name = plotText(multi ? `${run.name} \u00b7 ${s.key}` : run.name);
    const hover = `${name}<br>step %{customdata}<br>%{y}<extra></extra>`;
    if (weight > 0) {
      traces.push({ x: s.x, y: s.y, customdata: s.steps, mode: "lines", line: { color, width: 1 }, opacity: 0.25,
        showlegend: false, hovertemplate: hover, type: "scatter" });
    }
    traces.push({ x: s.x, y: smooth(s.y, weight), customdata: s.steps, mode: s.x.length === 1 ? "markers" : "lines",
      line: { color, width: 1.6 }, marker: { color }, name, hovertemplate: hover, type: "scatter" });
  }
  return traces;
}

function groupedTraces(series, byRun, workspace, weight, by) {
  const groups = new Map();
  const multi = new Set(series.map((s) => s.key)).size > 1;
  for (const s of series) {
    const run = byRun.get(s.run);
    const group = multi ? `${groupOf(run, by)} \u00b7 ${s.key}` : groupOf(run, by);
    if (!groups.has(group)) groups.set(group, { color: workspace.color(run), series: [], runs: [] });
    groups.get(group).series.push({ x: s.x, y: smooth(s.y, weight) });
    groups.get(group).runs.push(run);
  }
  // A workspace may give groups their own colours, choose median and the band, and expand groups.
  const { agg: centreKind = "mean", band: bandKind = "minmax" } = workspace.options;
  const expanded = workspace.expanded || new Set();
  const traces = [];
  const ordered = [...groups].sort(([a], [b]) => String(a).localeCompare(String(b), undefined, { numeric: true }));
  for (const [group, { color: first, series: members, runs }] of ordered) {
    const color = workspace.groupColor ? workspace.groupColor(group) : first;
    const agg = aggregate(members);
    const centre = agg[centreKind] || agg.mean;
    const edges = band(agg, bandKind, centre);
    if (edges) {
      traces.push({ x: agg.x, y: edges[0], mode: "lines", line: { width: 0 }, showlegend: false, hoverinfo: "skip", type: "scatter" });
      traces.push({ x: agg.x, y: edges[1], mode: "lines", line: { width: 0 }, fill: "tonexty",
        fillcolor: withAlpha(color, 0.18), showlegend: false, hoverinfo: "skip", type: "scatter" });
    }
    traces.push({ x: agg.x, y: centre, mode: "lines", line: { color, width: 2 }, name: plotText(groupLabel(group, members.length)),
      type: "scatter", meta: { group } });
    if (expanded.has(group)) {
      members.forEach((m, i) => traces.push({ x: m.x, y: m.y, mode: "lines", line: { color, width: 1, dash: "dot" },
        name: plotText(runs[i].name), showlegend: false, type: "scatter", meta: { member: runs[i].run_uuid } }));
    }
  }
  return traces;
}

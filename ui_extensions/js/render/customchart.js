// `tracklab.plot` / `wandb.plot` charts: a table plus a panel definition in
// config._wandb.visualize.<key>, drawn with plotly for wandb's built-in panel ids.

import { getJSON } from "../api.js";
import { h, plotText } from "../dom.js";
import { plot as draw } from "../plot.js";

/** The table key a panel reads (`summaryTable(tableKey)` in its query). */
export function tableKeyOf(panel) {
  const search = (fields) => {
    for (const field of fields || []) {
      if (field.name === "summaryTable") {
        const arg = (field.args || []).find((a) => a.name === "tableKey");
        if (arg) return arg.value;
      }
      const inner = search(field.fields);
      if (inner) return inner;
    }
    return null;
  };
  const config = panel.panel_config || {};
  return search((config.userQuery || {}).queryFields);
}

function column(table, name) {
  const i = table.columns.indexOf(name);
  return i < 0 ? [] : table.data.map((row) => row[i]);
}

function groupedLines(table, x, y, by, prefix, mode) {
  const xs = column(table, x);
  const ys = column(table, y);
  const keys = by ? column(table, by) : xs.map(() => "");
  const groups = new Map();
  keys.forEach((k, i) => {
    if (!groups.has(k)) groups.set(k, { x: [], y: [] });
    groups.get(k).x.push(xs[i]);
    groups.get(k).y.push(ys[i]);
  });
  return [...groups].map(([k, g]) => ({ type: "scatter", mode, x: g.x, y: g.y, name: plotText(`${prefix}${k}`) }));
}

/** Plotly traces for one run's table under a wandb panel id. */
export function tracesFor(panel, table, prefix) {
  const config = panel.panel_config || {};
  const f = config.fieldSettings || {};
  switch (config.panelDefId) {
    case "wandb/line/v0": return groupedLines(table, f.x, f.y, f.stroke, prefix, "lines");
    case "wandb/lineseries/v0": return groupedLines(table, f.step, f.lineVal, f.lineKey, prefix, "lines");
    case "wandb/scatter/v0": return groupedLines(table, f.x, f.y, null, prefix, "markers");
    case "wandb/area-under-curve/v0": return groupedLines(table, f.x, f.y, f.class, prefix, "lines");
    case "wandb/bar/v0": return [{ type: "bar", x: column(table, f.label).map(plotText), y: column(table, f.value), name: plotText(prefix) }];
    case "wandb/histogram/v0": return [{ type: "histogram", x: column(table, f.value), name: plotText(prefix) }];
    case "wandb/confusion_matrix/v1": {
      const actual = column(table, f.Actual || "Actual").map(String);
      const predicted = column(table, f.Predicted || "Predicted").map(String);
      const counts = column(table, f.nPredictions || "nPredictions");
      const labels = [...new Set([...actual, ...predicted])];
      const z = labels.map(() => labels.map(() => 0));
      counts.forEach((n, i) => { z[labels.indexOf(actual[i])][labels.indexOf(predicted[i])] += n; });
      return [{ type: "heatmap", x: labels.map(plotText), y: labels.map(plotText), z, colorscale: "Blues", name: plotText(prefix) }];
    }
    default: return [];
  }
}

/** A panel drawing `key`'s chart for each run that has it. `sources`: [{run, panel, tablePath, entry}]. */
export function renderCustomChart(key, sources) {
  const plot = h("div", { class: "chart", dataset: { state: "loading", key } });
  const first = sources[0].panel;
  const strings = (first.panel_config || {}).stringSettings || {};
  Promise.all(sources.map((s) => getJSON("table", { run: s.run.run_uuid, path: s.desc.path, key: s.tableKey,
    entry: s.desc.artifact_path || "" }).then((table) => tracesFor(s.panel, table, sources.length > 1 ? `${s.run.name} ` : ""))))
    .then((all) => {
      const traces = all.flat();
      plot.dataset.traces = String(traces.length);
      const layout = { margin: { l: 50, r: 10, t: 24, b: 40 }, title: { text: plotText(strings.title || key), font: { size: 12 } },
        xaxis: { title: { text: plotText(strings["x-axis-title"] || strings.xname || ""), font: { size: 11 } } },
        yaxis: { title: { text: plotText(strings["y-axis-title"] || strings.yname || ""), font: { size: 11 } } } };
      return draw(plot, traces, layout);
    })
    .then(() => { plot.dataset.state = "ready"; })
    .catch((e) => plot.append(h("div", { class: "error" }, String(e.message || e))));
  return h("div", { class: "panel" }, h("h3", {}, key), plot);
}

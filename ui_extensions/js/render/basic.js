// Renderers of the simpler media: audio, video, HTML (sandboxed), plotly figures, point clouds, text.

import { fileUrl } from "../api.js";
import { fmt, h, plotText } from "../dom.js";
import { plot } from "../plot.js";

export function renderAudio(desc, run) {
  const clips = desc._type === "audio" ? desc.audio || [] : [desc];
  return h("div", {}, clips.map((clip) => h("div", {},
    h("audio", { src: fileUrl(run.run_uuid, clip.path), controls: true, preload: "metadata" }),
    clip.caption ? h("div", { class: "caption" }, clip.caption) : null)));
}

export function renderVideo(desc, run) {
  const url = fileUrl(run.run_uuid, desc.path);
  if (/\.gif$/i.test(desc.path)) return h("img", { src: url, alt: desc.caption || "video", class: "video-gif" });
  return h("video", { src: url, controls: true, preload: "metadata", width: desc.width, style: { maxWidth: "100%" } });
}

/** User HTML only ever runs in a sandboxed frame (opaque origin; the server adds a sandbox CSP too). */
export function renderHtml(desc, run) {
  const items = desc._type === "html" ? desc.html || [] : [desc];
  return h("div", {}, items.map((item) => h("iframe", {
    class: "html-media", sandbox: "allow-scripts", src: fileUrl(run.run_uuid, item.path), referrerpolicy: "no-referrer",
    title: "logged HTML (sandboxed)",
  })));
}

export function renderPlotly(desc, run) {
  const node = h("div", { class: "chart", dataset: { state: "loading" } });
  fetch(fileUrl(run.run_uuid, desc.path)).then((r) => r.json()).then((figure) => {
    const layout = { ...(figure.layout || {}), margin: { l: 40, r: 10, t: 30, b: 30 } };
    return plot(node, figure.data || [], layout);
  }).then(() => { node.dataset.state = "ready"; }).catch((e) => node.append(h("div", { class: "error" }, String(e))));
  return node;
}

/** wandb Object3D point clouds: rows of [x, y, z], [x, y, z, category] or [x, y, z, r, g, b]. */
export function renderPoints(desc, run) {
  const items = desc._type === "object3D" ? desc.filenames || [] : [desc.path];
  const node = h("div", { class: "chart", dataset: { state: "loading" } });
  const path = items[0];
  if (!path || !/\.pts\.json$/.test(path)) {
    return h("a", { href: fileUrl(run.run_uuid, path || ""), target: "_blank", rel: "noopener" }, "3D object file");
  }
  fetch(fileUrl(run.run_uuid, path)).then((r) => r.json()).then((data) => {
    const points = Array.isArray(data) ? data : data.points || [];
    const color = points.map((p) => (p.length >= 6 ? `rgb(${p[3]},${p[4]},${p[5]})` : p.length === 4 ? p[3] : p[2]));
    const trace = { type: "scatter3d", mode: "markers", x: points.map((p) => p[0]), y: points.map((p) => p[1]),
      z: points.map((p) => p[2]), marker: { size: 2, color } };
    node.dataset.points = String(points.length);
    return plot(node, [trace], { margin: { l: 0, r: 0, t: 0, b: 0 } });
  }).then(() => { node.dataset.state = "ready"; }).catch((e) => node.append(h("div", { class: "error" }, String(e))));
  return node;
}

export function renderText(value) {
  return h("pre", { class: "text" }, typeof value === "string" ? value : JSON.stringify(value, null, 1));
}

/** Anything else: its JSON, and its file when it has one. */
export function renderOther(desc, run) {
  return h("div", {}, desc && desc.path ? h("a", { href: fileUrl(run.run_uuid, desc.path), target: "_blank", rel: "noopener" },
    desc._type || "file") : null, renderText(desc));
}

/** Histograms over steps: a heatmap of counts (steps x value) and the chosen step's bars. */
export function renderHistograms(entry, run, step) {
  const node = h("div", {});
  const heat = h("div", { class: "chart", style: { height: "200px" } });
  const bars = h("div", { class: "chart", style: { height: "160px" }, dataset: { state: "loading" } });
  node.append(heat, bars);
  const edges = entry.values.flatMap((v) => [v.bins[0], v.bins[v.bins.length - 1]]);
  const lo = Math.min(...edges);
  const hi = Math.max(...edges);
  const size = 48;
  const width = (hi - lo) / size || 1;
  const centers = Array.from({ length: size }, (_, i) => lo + (i + 0.5) * width);
  const z = centers.map(() => entry.steps.map(() => 0));
  entry.values.forEach((hist, col) => {
    hist.values.forEach((count, i) => {
      const center = (hist.bins[i] + hist.bins[i + 1]) / 2;
      const row = Math.min(size - 1, Math.max(0, Math.floor((center - lo) / width)));
      z[row][col] += count;
    });
  });
  plot(heat, [{ type: "heatmap", x: entry.steps, y: centers, z, colorscale: "Blues", reversescale: true, showscale: false }],
    { margin: { l: 40, r: 10, t: 4, b: 30 }, xaxis: { title: { text: "Step", font: { size: 11 } } },
      shapes: [{ type: "line", x0: step, x1: step, yref: "paper", y0: 0, y1: 1, line: { color: "#d62728", width: 1 } }] });
  const index = Math.max(0, entry.steps.findIndex((s) => s === step));
  const hist = entry.values[index];
  const mids = hist.values.map((_, i) => (hist.bins[i] + hist.bins[i + 1]) / 2);
  plot(bars, [{ type: "bar", x: mids, y: hist.values, marker: { color: "#1f77b4" },
    name: plotText(`${run.name} step ${fmt(step)}`) }], { margin: { l: 40, r: 10, t: 4, b: 30 }, bargap: 0 })
    .then(() => { bars.dataset.state = "ready"; });
  return node;
}

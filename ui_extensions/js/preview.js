// A static SVG drawing of line series, shown the moment a chart's data arrives: plotly.js takes
// a second or more to start on a slow machine, and replaces this with the interactive chart.

const NS = "http://www.w3.org/2000/svg";

function el(name, attrs) {
  const node = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

function label(text, x, y, anchor) {
  const node = el("text", { x, y, "text-anchor": anchor, "font-size": 10, fill: "#555" });
  node.textContent = text;  // text, never markup
  return node;
}

/** Draw `lines` ([{x: [...], y: [...], color}]) into `node`; returns the SVG element. */
export function drawPreview(node, lines, { log = false } = {}) {
  const width = node.clientWidth || 600;
  const height = node.clientHeight || 280;
  const pad = { l: 50, r: 10, t: 6, b: 36 };
  const fy = log ? (v) => (v > 0 ? Math.log10(v) : NaN) : (v) => v;
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (const line of lines) {
    for (let i = 0; i < line.x.length; i++) {
      const y = fy(line.y[i]);
      if (!Number.isFinite(y) || typeof line.x[i] !== "number") continue;
      x0 = Math.min(x0, line.x[i]); x1 = Math.max(x1, line.x[i]);
      y0 = Math.min(y0, y); y1 = Math.max(y1, y);
    }
  }
  const svg = el("svg", { width, height, class: "chart-preview" });
  if (!Number.isFinite(x0)) return svg;
  const sx = (x) => pad.l + ((x - x0) / (x1 - x0 || 1)) * (width - pad.l - pad.r);
  const sy = (y) => height - pad.b - ((y - y0) / (y1 - y0 || 1)) * (height - pad.t - pad.b);
  svg.append(el("line", { x1: pad.l, y1: height - pad.b, x2: width - pad.r, y2: height - pad.b, stroke: "#999" }),
    el("line", { x1: pad.l, y1: pad.t, x2: pad.l, y2: height - pad.b, stroke: "#999" }));
  const fmt = (v) => String(+v.toPrecision(4));
  svg.append(label(fmt(x0), pad.l, height - pad.b + 14, "start"), label(fmt(x1), width - pad.r, height - pad.b + 14, "end"),
    label(fmt(log ? 10 ** y1 : y1), pad.l - 4, pad.t + 8, "end"), label(fmt(log ? 10 ** y0 : y0), pad.l - 4, height - pad.b, "end"));
  for (const line of lines) {
    const points = [];
    for (let i = 0; i < line.x.length; i++) {
      const y = fy(line.y[i]);
      if (Number.isFinite(y) && typeof line.x[i] === "number") points.push(`${sx(line.x[i]).toFixed(1)},${sy(y).toFixed(1)}`);
    }
    svg.append(el("polyline", { points: points.join(" "), fill: "none", stroke: line.color, "stroke-width": 1.4 }));
  }
  node.append(svg);
  return svg;
}

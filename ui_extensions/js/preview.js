// A light SVG line chart, drawn the moment a chart's data arrives and usable at once: hovering
// shows each run's value at the step under the pointer, dragging across it zooms into that step
// range and a double click zooms back out. plotly.js takes a second or more to start on a slow
// machine (4.8 MB to evaluate); when it is ready it replaces this with its own chart.

const NS = "http://www.w3.org/2000/svg";
const PAD = { l: 50, r: 10, t: 6, b: 36 };
const TOOLTIP_LINES = 8;

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

const fmt = (v) => String(+Number(v).toPrecision(4));

/** The index of the point of sorted `xs` nearest to `x`. */
function nearest(xs, x) {
  let lo = 0, hi = xs.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] < x) lo = mid; else hi = mid;
  }
  return Math.abs(xs[lo] - x) <= Math.abs(xs[hi] - x) ? lo : hi;
}

/** The extent of `lines` over the x range [from, to] (y after `fy`); null when nothing is in it. */
function extent(lines, fy, from, to) {
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (const line of lines) {
    for (let i = 0; i < line.x.length; i++) {
      const x = line.x[i];
      const y = fy(line.y[i]);
      if (!Number.isFinite(y) || typeof x !== "number" || x < from || x > to) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  return Number.isFinite(x0) ? { x0, x1, y0, y1 } : null;
}

/**
 * Draw `lines` ([{x: [...], y: [...], color, name}], x ascending) into `node` as an interactive
 * SVG chart; returns its element (`.chart-preview`). `node` gets `data-zoom` ("from,to") while
 * zoomed in.
 */
export function drawPreview(node, lines, { log = false } = {}) {
  const width = node.clientWidth || 600;
  const height = node.clientHeight || 280;
  const fy = log ? (v) => (v > 0 ? Math.log10(v) : NaN) : (v) => v;
  const box = document.createElement("div");  // the chart and its tooltip, removed together
  box.className = "chart-preview";
  box.dataset.interactive = "true";
  box.style.position = "relative";
  const svg = el("svg", { width, height });
  const plotArea = el("g", {});
  const crosshair = el("line", { y1: PAD.t, y2: height - PAD.b, stroke: "#888", "stroke-dasharray": "3 3",
    visibility: "hidden" });
  const band = el("rect", { y: PAD.t, height: height - PAD.t - PAD.b, fill: "rgba(80,120,200,0.15)", visibility: "hidden" });
  svg.append(plotArea, band, crosshair);
  const tooltip = document.createElement("div");
  tooltip.className = "chart-tooltip";
  tooltip.hidden = true;
  let view = null;  // {x0, x1, y0, y1} drawn now

  function draw(from = -Infinity, to = Infinity) {
    plotArea.replaceChildren();
    view = extent(lines, fy, from, to);
    if (!view) return;
    const { x0, x1, y0, y1 } = view;
    const sx = (x) => PAD.l + ((x - x0) / (x1 - x0 || 1)) * (width - PAD.l - PAD.r);
    const sy = (y) => height - PAD.b - ((y - y0) / (y1 - y0 || 1)) * (height - PAD.t - PAD.b);
    plotArea.append(el("line", { x1: PAD.l, y1: height - PAD.b, x2: width - PAD.r, y2: height - PAD.b, stroke: "#999" }),
      el("line", { x1: PAD.l, y1: PAD.t, x2: PAD.l, y2: height - PAD.b, stroke: "#999" }),
      label(fmt(x0), PAD.l, height - PAD.b + 14, "start"), label(fmt(x1), width - PAD.r, height - PAD.b + 14, "end"),
      label(fmt(log ? 10 ** y1 : y1), PAD.l - 4, PAD.t + 8, "end"),
      label(fmt(log ? 10 ** y0 : y0), PAD.l - 4, height - PAD.b, "end"));
    for (const line of lines) {
      const points = [];
      for (let i = 0; i < line.x.length; i++) {
        const x = line.x[i];
        const y = fy(line.y[i]);
        if (Number.isFinite(y) && typeof x === "number" && x >= x0 && x <= x1) {
          points.push(`${sx(x).toFixed(1)},${sy(y).toFixed(1)}`);
        }
      }
      plotArea.append(el("polyline", { points: points.join(" "), fill: "none", stroke: line.color, "stroke-width": 1.4 }));
    }
  }

  const dataX = (px) => view.x0 + ((px - PAD.l) / (width - PAD.l - PAD.r)) * (view.x1 - view.x0);
  const pointerX = (event) => Math.min(width - PAD.r, Math.max(PAD.l, event.clientX - svg.getBoundingClientRect().left));

  function hover(event) {
    if (!view) return;
    const px = pointerX(event);
    const x = dataX(px);
    const rows = [];
    let step = null;
    for (const line of lines) {
      if (!line.x.length) continue;
      const i = nearest(line.x, x);
      if (line.x[i] < view.x0 || line.x[i] > view.x1) continue;
      step = step ?? line.x[i];
      rows.push({ name: line.name || "", color: line.color, value: line.y[i], x: line.x[i] });
    }
    if (!rows.length) { tooltip.hidden = true; crosshair.setAttribute("visibility", "hidden"); return; }
    crosshair.setAttribute("x1", px);
    crosshair.setAttribute("x2", px);
    crosshair.setAttribute("visibility", "visible");
    rows.sort((a, b) => b.value - a.value);
    const head = document.createElement("div");
    head.className = "chart-tooltip-step";
    head.textContent = `step ${fmt(step)}`;
    const items = rows.slice(0, TOOLTIP_LINES).map((row) => {
      const item = document.createElement("div");
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = row.color;
      item.append(swatch, `${row.name}: ${fmt(row.value)}`);  // text nodes: run names are never markup
      return item;
    });
    if (rows.length > TOOLTIP_LINES) items.push(Object.assign(document.createElement("div"), { textContent: `+${rows.length - TOOLTIP_LINES} more` }));
    tooltip.replaceChildren(head, ...items);
    tooltip.hidden = false;
    tooltip.style.left = `${px > width / 2 ? px - 12 - tooltip.offsetWidth : px + 12}px`;
    tooltip.style.top = `${PAD.t}px`;
  }

  let dragFrom = null;
  svg.addEventListener("mousedown", (event) => { if (view) { dragFrom = pointerX(event); event.preventDefault(); } });
  svg.addEventListener("mousemove", (event) => {
    hover(event);
    if (dragFrom === null) return;
    const px = pointerX(event);
    band.setAttribute("x", Math.min(dragFrom, px));
    band.setAttribute("width", Math.abs(px - dragFrom));
    band.setAttribute("visibility", "visible");
  });
  svg.addEventListener("mouseleave", () => {
    tooltip.hidden = true;
    crosshair.setAttribute("visibility", "hidden");
    dragFrom = null;
    band.setAttribute("visibility", "hidden");
  });
  svg.addEventListener("mouseup", (event) => {
    if (dragFrom === null) return;
    const px = pointerX(event);
    const [a, b] = [Math.min(dragFrom, px), Math.max(dragFrom, px)];
    dragFrom = null;
    band.setAttribute("visibility", "hidden");
    if (b - a < 5 || !view) return;  // a click, not a drag
    const from = dataX(a), to = dataX(b);
    draw(from, to);
    node.dataset.zoom = `${fmt(from)},${fmt(to)}`;
  });
  svg.addEventListener("dblclick", () => { draw(); delete node.dataset.zoom; });

  draw();
  box.append(svg, tooltip);
  node.append(box);
  return box;
}

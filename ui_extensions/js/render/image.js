// Images with wandb's mask and box overlays, each class toggled on its own.

import { fileUrl } from "../api.js";
import { defaultColor } from "../colors.js";
import { h } from "../dom.js";

/** One wandb image descriptor (`image-file`) with its overlays. */
export function renderImage(desc, run, ctx) {
  const width = desc.width || 0;
  const height = desc.height || 0;
  const img = h("img", { src: fileUrl(run.run_uuid, desc.path), alt: desc.caption || ctx.key,
    width: width || undefined, height: height || undefined, dataset: { step: String(ctx.step) } });
  const box = h("div", { class: "overlay-box", style: { width: `${displayWidth(width)}px` } }, img);
  const node = h("div", { class: "image-media" }, box);
  if (desc.caption) node.append(h("div", { class: "caption" }, desc.caption));
  for (const [layer, mask] of Object.entries(desc.masks || {})) {
    const labels = (ctx.classLabels.mask || {})[`${ctx.key}_wandb_delimeter_${layer}`] || {};
    node.append(maskLayer(box, run, layer, mask, labels, width, height));
  }
  for (const [layer, boxes] of Object.entries(desc.boxes || {})) {
    const labels = (ctx.classLabels.boxes || {})[`${ctx.key}_wandb_delimeter_${layer}`] || {};
    node.append(boxLayer(box, run, layer, boxes, labels, width, height));
  }
  return node;
}

/** Small images are shown larger (pixelated), large ones fit their cell. */
export function displayWidth(width) {
  if (!width) return 256;
  return width < 256 ? 256 : Math.min(width, 720);
}

/** Several images logged as one value (`images/separated`). */
export function renderImages(desc, run, ctx) {
  const row = h("div", { class: "media-row" });
  (desc.filenames || []).forEach((path, i) => {
    row.append(h("div", {}, h("img", { src: fileUrl(run.run_uuid, path), alt: `${ctx.key} ${i}`, style: { maxWidth: "160px" } }),
      desc.captions && desc.captions[i] ? h("div", { class: "caption" }, desc.captions[i]) : null));
  });
  return row;
}

function classToggles(kind, layer, classes, labels, onChange) {
  const enabled = new Set(classes);
  const wrap = h("div", { class: "classes", dataset: { layer, kind } }, h("strong", {}, `${kind} ${layer}:`));
  for (const id of classes) {
    const input = h("input", { type: "checkbox", checked: true, dataset: { classId: String(id) } });
    input.addEventListener("change", () => {
      if (input.checked) enabled.add(id); else enabled.delete(id);
      onChange(enabled);
    });
    wrap.append(h("label", {}, input, h("span", { class: "swatch", style: { background: defaultColor(Number(id)) } }),
      labels[id] ?? labels[String(id)] ?? `class ${id}`));
  }
  return { wrap, enabled };
}

function maskLayer(box, run, layer, mask, labels, width, height) {
  const canvas = h("canvas", { width, height, dataset: { layer, kind: "mask" } });
  box.append(canvas);
  const holder = h("div", { class: "mask-controls" });
  const source = new Image();
  source.onload = () => {
    const w = source.naturalWidth;
    const hgt = source.naturalHeight;
    canvas.width = w;
    canvas.height = hgt;
    const scratch = document.createElement("canvas");
    scratch.width = w;
    scratch.height = hgt;
    const sctx = scratch.getContext("2d", { willReadFrequently: true });
    sctx.drawImage(source, 0, 0);
    const values = sctx.getImageData(0, 0, w, hgt).data;
    const seen = new Set();
    for (let i = 0; i < w * hgt; i++) seen.add(values[i * 4]);
    const classes = [...seen].sort((a, b) => a - b);
    const draw = (enabled) => {
      const out = canvas.getContext("2d").createImageData(w, hgt);
      for (let i = 0; i < w * hgt; i++) {
        const id = values[i * 4];
        if (!enabled.has(id)) continue;
        const rgb = parseInt(defaultColor(id).slice(1), 16);
        out.data.set([(rgb >> 16) & 255, (rgb >> 8) & 255, rgb & 255, 120], i * 4);
      }
      canvas.getContext("2d").putImageData(out, 0, 0);
      canvas.dataset.drawn = String(enabled.size);
    };
    const { wrap, enabled } = classToggles("mask", layer, classes, labels, draw);
    holder.append(wrap);
    draw(enabled);
  };
  source.src = fileUrl(run.run_uuid, mask.path);
  return holder;
}

function boxLayer(box, run, layer, boxes, labels, width, height) {
  const svgNS = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(svgNS, "svg");
  svg.setAttribute("viewBox", `0 0 ${width || 1} ${height || 1}`);
  svg.setAttribute("preserveAspectRatio", "none");
  svg.dataset.layer = layer;
  svg.dataset.kind = "boxes";
  box.append(svg);
  const holder = h("div", { class: "box-controls" });
  fetch(fileUrl(run.run_uuid, boxes.path)).then((r) => r.json()).then((data) => {
    const items = data.box_data || [];
    const names = { ...(data.class_labels || {}), ...labels };
    const classes = [...new Set(items.map((b) => b.class_id))].sort((a, b) => a - b);
    const draw = (enabled) => {
      while (svg.firstChild) svg.removeChild(svg.firstChild);
      for (const item of items) {
        if (!enabled.has(item.class_id)) continue;
        const [x, y, w, hgt] = boxRect(item, width, height);
        const color = defaultColor(Number(item.class_id));
        const rect = document.createElementNS(svgNS, "rect");
        Object.entries({ x, y, width: w, height: hgt, fill: "none", stroke: color, "stroke-width": Math.max(1, width / 150) })
          .forEach(([k, v]) => rect.setAttribute(k, v));
        const label = document.createElementNS(svgNS, "text");
        label.setAttribute("x", x + 1);
        label.setAttribute("y", Math.max(y - 1, 6));
        label.setAttribute("fill", color);
        label.setAttribute("font-size", Math.max(6, width / 20));
        label.textContent = item.box_caption || names[item.class_id] || String(item.class_id);
        svg.append(rect, label);
      }
      svg.dataset.drawn = String(svg.querySelectorAll("rect").length);
    };
    const { wrap, enabled } = classToggles("boxes", layer, classes, names, draw);
    holder.append(wrap);
    draw(enabled);
  }).catch(() => holder.append(h("div", { class: "error" }, `could not load boxes ${layer}`)));
  return holder;
}

/** [x, y, w, h] in pixels of a wandb box (fractions unless domain is "pixel"). */
function boxRect(item, width, height) {
  const p = item.position || {};
  const sx = item.domain === "pixel" ? 1 : width;
  const sy = item.domain === "pixel" ? 1 : height;
  if (p.middle) {
    return [(p.middle[0] - p.width / 2) * sx, (p.middle[1] - p.height / 2) * sy, p.width * sx, p.height * sy];
  }
  return [p.minX * sx, p.minY * sy, (p.maxX - p.minX) * sx, (p.maxY - p.minY) * sy];
}

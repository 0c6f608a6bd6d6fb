// Run colours: a fixed palette by the run's position in its project, overridable per run.

const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
  "#bcbd22", "#17becf", "#5778a4", "#e49444", "#6a9f58", "#d1615d", "#a87c9f", "#967662", "#f1a2a9", "#b8b0ac"];

export function defaultColor(index) {
  return PALETTE[index % PALETTE.length];
}

function storageKey(project) {
  return `tracklab.colors.${project}`;
}

export function savedColors(project) {
  try { return JSON.parse(localStorage.getItem(storageKey(project)) || "{}"); } catch (e) { return {}; }
}

export function saveColor(project, runUuid, color) {
  const colors = savedColors(project);
  colors[runUuid] = color;
  try { localStorage.setItem(storageKey(project), JSON.stringify(colors)); } catch (e) { /* ignore */ }
}

/** `#rrggbb` with an alpha, for bands. */
export function withAlpha(hex, alpha) {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${alpha})`;
}

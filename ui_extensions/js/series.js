// Pure functions on chart series: smoothing and grouping (mean or median with a min-max or
// standard-deviation band).

/** Exponential moving average with TensorBoard's debiasing; weight 0 returns the input. */
export function smooth(ys, weight) {
  if (!weight) return ys.slice();
  const out = new Array(ys.length);
  let last = 0;
  let count = 0;
  for (let i = 0; i < ys.length; i++) {
    const y = ys[i];
    if (!Number.isFinite(y)) { out[i] = y; continue; }
    last = last * weight + (1 - weight) * y;
    count += 1;
    out[i] = last / (1 - Math.pow(weight, count));
  }
  return out;
}

/** Linear interpolation of (xs, ys) at x; null outside the series' range. */
function interpolate(xs, ys, x) {
  if (!xs.length || x < xs[0] || x > xs[xs.length - 1]) return null;
  let lo = 0;
  let hi = xs.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] <= x) lo = mid; else hi = mid;
  }
  if (xs[hi] === xs[lo]) return ys[lo];
  const t = (x - xs[lo]) / (xs[hi] - xs[lo]);
  return ys[lo] + t * (ys[hi] - ys[lo]);
}

/** Mean, median, min, max and standard deviation across series on a shared x grid of at most `size` points. */
export function aggregate(series, size = 500) {
  const all = [...new Set(series.flatMap((s) => s.x))].sort((a, b) => a - b);
  const stride = Math.max(1, Math.ceil(all.length / size));
  const grid = all.filter((_, i) => i % stride === 0 || i === all.length - 1);
  const mean = [], median = [], min = [], max = [], std = [];
  for (const x of grid) {
    const values = series.map((s) => interpolate(s.x, s.y, x)).filter((v) => v !== null && Number.isFinite(v));
    if (!values.length) { for (const list of [mean, median, min, max, std]) list.push(null); continue; }
    const m = values.reduce((a, b) => a + b, 0) / values.length;
    const sorted = values.slice().sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    mean.push(m);
    median.push(sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2);
    min.push(sorted[0]);
    max.push(sorted[sorted.length - 1]);
    std.push(Math.sqrt(values.reduce((a, v) => a + (v - m) ** 2, 0) / values.length));
  }
  return { x: grid, mean, median, min, max, std };
}

/** The band around the centre line: [low, high] per grid point ("minmax", "std" or "none"). */
export function band(agg, kind, centre) {
  if (kind === "std") return [centre.map((c, i) => (c === null ? null : c - agg.std[i])), centre.map((c, i) => (c === null ? null : c + agg.std[i]))];
  if (kind === "minmax") return [agg.min, agg.max];
  return null;
}

/** The label of the group a run falls in: "group", "job_type", "tag:<name>" or "config:<key>"
 * (then `key=value`, as the legend shows it). */
export function groupOf(run, by) {
  if (!by) return null;
  if (by.startsWith("tag:")) return (run.tags || []).includes(by.slice(4)) ? by.slice(4) : "(untagged)";
  if (by.startsWith("config:")) {
    const key = by.slice(7);
    const value = run.config ? run.config[key] : undefined;
    return `${key}=${value === undefined ? "(none)" : typeof value === "object" && value !== null ? JSON.stringify(value) : shortNumber(value)}`;
  }
  return run[by] || "(none)";
}

function shortNumber(value) {
  return typeof value === "number" && !Number.isInteger(value) ? String(+value.toPrecision(6)) : String(value);
}

/** A group's legend entry: its label and how many runs it holds. */
export function groupLabel(label, count) {
  return `${label} (${count} run${count === 1 ? "" : "s"})`;
}

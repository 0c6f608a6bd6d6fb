// Pure functions on chart series: smoothing and grouping (mean with a min-max band).

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

/** Mean, min and max across series on a shared x grid of at most `size` points. */
export function aggregate(series, size = 500) {
  const all = [...new Set(series.flatMap((s) => s.x))].sort((a, b) => a - b);
  const stride = Math.max(1, Math.ceil(all.length / size));
  const grid = all.filter((_, i) => i % stride === 0 || i === all.length - 1);
  const mean = [], min = [], max = [];
  for (const x of grid) {
    const values = series.map((s) => interpolate(s.x, s.y, x)).filter((v) => v !== null && Number.isFinite(v));
    if (!values.length) { mean.push(null); min.push(null); max.push(null); continue; }
    mean.push(values.reduce((a, b) => a + b, 0) / values.length);
    min.push(Math.min(...values));
    max.push(Math.max(...values));
  }
  return { x: grid, mean, min, max };
}

/** The value a run is grouped by: "group", "job_type" or "tag:<name>". */
export function groupOf(run, by) {
  if (!by) return null;
  if (by.startsWith("tag:")) return (run.tags || []).includes(by.slice(4)) ? by.slice(4) : "(untagged)";
  return run[by] || "(none)";
}

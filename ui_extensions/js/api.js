// The plugin's JSON routes and the addresses of the stock MLflow UI, all relative to
// /tracklab/ so a `--static-prefix` keeps working.

const BASE = new URL("./", document.baseURI);   // .../tracklab/

// Chart series are asked for two at a time, in the order the charts ask: the server reduces them
// one after another anyway (one process), so the first chart on the page gets its answer first
// instead of every chart getting its answer at the end (2,000-run project: first chart 2.7 s -> see
// docs/benchmarks.md).
const SERIES_AT_ONCE = 2;
const waiting = [];
let inFlight = 0;

async function seriesTurn() {
  if (inFlight < SERIES_AT_ONCE) { inFlight += 1; return; }
  await new Promise((resolve) => waiting.push(resolve));  // the slot is handed over by seriesDone
}

function seriesDone() {
  const next = waiting.shift();
  if (next) next(); else inFlight -= 1;
}

/** A JSON request to this server (the plugin's routes or MLflow's REST API); an answer that is
 * not 2xx throws with the server's message (`error` from the plugin, `message` from MLflow). */
export async function requestJSON(url, { method = "GET", body } = {}) {
  const response = await fetch(url, {
    method, credentials: "same-origin",
    headers: body ? { "Content-Type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.error || data.message || `${response.status} ${response.statusText}`);
  return data;
}

export async function getJSON(path, query = {}) {
  const url = new URL("api/" + path, BASE);
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== "") url.searchParams.set(k, v);
  const queued = path === "series";
  if (queued) await seriesTurn();
  try {
    return await requestJSON(url);
  } finally {
    if (queued) seriesDone();
  }
}

/** The address of one of a run's files (served by the plugin, never outside the run). */
export function fileUrl(runUuid, path) {
  const encoded = String(path).split("/").map(encodeURIComponent).join("/");
  return new URL(`api/files/${encodeURIComponent(runUuid)}/${encoded}`, BASE).href;
}

const STOCK = new URL("../", BASE);   // the MLflow UI's index
const ML_VIEW = "?workflowType=machine_learning";

export function stockExperimentUrl(experimentId) {
  return `${STOCK.href}#/experiments/${encodeURIComponent(experimentId)}${ML_VIEW}`;
}

export function stockRunUrl(experimentId, runUuid) {
  return `${STOCK.href}#/experiments/${encodeURIComponent(experimentId)}/runs/${encodeURIComponent(runUuid)}`;
}

export function pageUrl(page, query = {}) {
  const url = new URL(page, BASE);
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== "") url.searchParams.set(k, v);
  return url.href;
}

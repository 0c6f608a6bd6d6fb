// The workspace layout of a project, kept in the store as a tag of its MLflow experiment
// (`tracklab.workspace.layout`), read and written through MLflow's own REST API: every machine
// that opens the store sees it, and MLflow's authentication and permissions apply to it.

import { requestJSON } from "./api.js";

export const LAYOUT_TAG = "tracklab.workspace.layout";
const MAX_TAG_VALUE = 20000;   // MLflow's limit for an experiment tag's value
const MLFLOW = new URL("../ajax-api/2.0/mlflow/", new URL("./", document.baseURI));

async function call(path, { method = "GET", query = {}, body } = {}) {
  const url = new URL(path, MLFLOW);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  return requestJSON(url, { method, body });
}

/** The saved layout of a project (by name), or null when none is saved (or it cannot be read). */
export async function loadLayout(project) {
  const { experiment } = await call("experiments/get-by-name", { query: { experiment_name: project } });
  const tag = (experiment.tags || []).find((t) => t.key === LAYOUT_TAG);
  if (!tag || !tag.value) return null;
  try { return JSON.parse(tag.value); } catch (e) { return null; }
}

export async function saveLayout(experimentId, layout) {
  const value = JSON.stringify(layout);
  if (value.length > MAX_TAG_VALUE) {
    throw new Error(`the layout is ${value.length} characters; MLflow keeps at most ${MAX_TAG_VALUE} in a tag: remove some panels`);
  }
  await call("experiments/set-experiment-tag", { method: "POST", body: { experiment_id: experimentId, key: LAYOUT_TAG, value } });
}

export async function resetLayout(experimentId) {
  await call("experiments/delete-experiment-tag", { method: "POST", body: { experiment_id: experimentId, key: LAYOUT_TAG } });
}

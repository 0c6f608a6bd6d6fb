// A media panel: one logged key across the selected runs, with a step slider.

import { clear, h } from "./dom.js";
import { renderAudio, renderHistograms, renderHtml, renderOther, renderPlotly, renderPoints, renderText, renderVideo }
  from "./render/basic.js";
import { renderImage, renderImages } from "./render/image.js";
import { renderTable } from "./render/table.js";

const RENDERERS = {
  "image-file": renderImage, "images/separated": renderImages, "table-file": renderTable,
  "incremental-table-file": renderTable, "plotly-file": renderPlotly, "audio-file": renderAudio, audio: renderAudio,
  "video-file": renderVideo, "object3D-file": renderPoints, object3D: renderPoints, "html-file": renderHtml,
  html: renderHtml, string: (value) => renderText(value),
};

/** Index of the last step <= `step` (the first one when all are later). */
function atOrBefore(steps, step) {
  let found = 0;
  for (let i = 0; i < steps.length; i++) if (steps[i] <= step) found = i;
  return found;
}

export function mediaPanel(key, kind, workspace) {
  const body = h("div", { class: "media-row" });
  const label = h("span", { class: "step-label" });
  const slider = h("input", { type: "range", min: 0, max: 0, value: 0, step: 1, "aria-label": `${key} step` });
  const node = h("div", { class: "panel wide media-panel", dataset: { key, kind, state: "loading" } },
    h("h3", { title: key }, key, h("span", { class: "muted" }, `  ${kind}`)), h("div", { class: "slider" }, "Step", slider, label), body);
  let entries = [];
  let steps = [];

  async function refresh() {
    const runs = workspace.selectedRuns().filter((r) => r.objects.includes(key));
    const loaded = await Promise.all(runs.map(async (run) => [run, (await workspace.media(run))[key],
      (await workspace.detail(run)).class_labels || {}]));
    entries = loaded.filter(([, entry]) => entry);
    steps = [...new Set(entries.flatMap(([, entry]) => entry.steps))].sort((a, b) => a - b);
    slider.max = String(Math.max(0, steps.length - 1));
    slider.value = slider.max;
    slider.disabled = steps.length < 2;
    draw();
  }

  function draw() {
    const step = steps[Number(slider.value)] ?? 0;
    label.textContent = String(step);
    node.dataset.step = String(step);
    clear(body);
    for (const [run, entry, classLabels] of entries) {
      const index = atOrBefore(entry.steps, step);
      const value = entry.values[index];
      const shownStep = entry.steps[index];
      let content;
      if (entry.type === "histogram") content = renderHistograms(entry, run, shownStep);
      else content = (RENDERERS[entry.type] || renderOther)(value, run, { key, step: shownStep, classLabels });
      body.append(h("div", { class: "media-cell", dataset: { run: run.run_uuid, step: String(shownStep) } },
        h("div", { class: "run-label", style: { color: workspace.color(run) } }, run.name,
          h("span", { class: "muted" }, ` @ step ${shownStep}`)), content));
    }
    node.dataset.state = "ready";
  }

  slider.addEventListener("input", draw);
  return { node, refresh, setStep: (step) => { slider.value = String(Math.max(0, steps.indexOf(step))); draw(); } };
}

// The home page: every project of the store, with links to its workspace, sweeps and MLflow page.

import { getJSON, pageUrl, stockExperimentUrl } from "./api.js";
import { $, clear, h, showError } from "./dom.js";

async function main() {
  const root = $("#root");
  try {
    const { projects } = await getJSON("projects");
    const rows = projects.map((p) => h("tr", { dataset: { project: p.name } },
      h("td", {}, h("a", { href: pageUrl("workspace", { project: p.name }), class: "project-link" }, p.name)),
      h("td", {}, String(p.runs)),
      h("td", {}, p.last_update ? new Date(p.last_update).toLocaleString() : ""),
      h("td", {}, h("a", { href: pageUrl("sweep", { project: p.name }) }, "sweeps"), " \u00b7 ",
        h("a", { href: pageUrl("artifacts", { project: p.name }) }, "artifacts"), " \u00b7 ",
        h("a", { href: stockExperimentUrl(p.experiment_id) }, "MLflow \u2197"))));
    clear(root).append(h("div", { class: "card" }, h("h2", {}, `Projects (${projects.length})`),
      projects.length ? h("table", { class: "data projects" },
        h("thead", {}, h("tr", {}, h("th", {}, "Project"), h("th", {}, "Runs"), h("th", {}, "Updated"), h("th", {}, "Links"))),
        h("tbody", {}, rows)) : h("p", { class: "muted" }, "No runs yet: run a script with `import tracklab as wandb`.")));
    document.body.dataset.state = "ready";
  } catch (error) {
    showError(root, error);
  }
}

main();

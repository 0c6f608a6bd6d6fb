// Loaded by the stock MLflow UI's index.html (see mlflow_plugins/_inject.py), before the app.
// 1. Open in the "Model training" view unless the user already picked a view.
// 2. Keep MLflow's assistant panel closed on first load (it needs an online model).
// 3. A floating "TrackLab" link, outside React's tree, to the panels of the current page.
// 4. On a run's page, a second one to that run's TrackLab run page.
(function () {
  "use strict";
  function preset(key, value) {
    try {
      if (window.localStorage.getItem(key) === null) window.localStorage.setItem(key, JSON.stringify(value));
    } catch (e) { /* storage disabled: keep MLflow's defaults */ }
  }
  preset("mlflow.workflowType_v1", "machine_learning");
  preset("mlflow.assistant.panelOpen_v1", false);
  preset("mlflow.assistant.fab.autoOpenedOnFirstLoad_v1", true);

  var base = new URL("tracklab/", document.baseURI);

  function target() {
    var route = window.location.hash.replace(/^#/, "").split("?")[0];
    var run = route.match(/^\/experiments\/([^/]+)\/runs\/([0-9a-f]{32})/) || route.match(/^\/runs\/([0-9a-f]{32})/);
    var url = new URL("workspace", base);
    if (run && run.length === 3) {
      url.searchParams.set("experiment", decodeURIComponent(run[1]));
      url.searchParams.set("run", run[2]);
      return url.href;
    }
    if (run) {
      url.searchParams.set("run", run[1]);
      return url.href;
    }
    var experiment = route.match(/^\/experiments\/([^/]+)/);
    if (experiment) {
      url.searchParams.set("experiment", decodeURIComponent(experiment[1]));
      return url.href;
    }
    return base.href;
  }

  function update(link) {
    link.href = target();
  }

  // On a run's page, a second link: that run's TrackLab run page (run.html?run=<id>).
  function updateRunLink(link) {
    var route = window.location.hash.replace(/^#/, "").split("?")[0];
    var run = route.match(/^\/(?:experiments\/[^/]+\/)?runs\/([0-9a-f]{32})/);
    link.style.display = run ? "inline-block" : "none";
    if (run) link.href = new URL("run.html?run=" + run[1], base).href;
  }

  function mount() {
    var link = document.createElement("a");
    link.id = "tracklab-link";
    link.textContent = "TrackLab panels \u2197";
    link.title = "Charts, media, tables and sweeps of this page in TrackLab";
    link.setAttribute("style", "position:fixed;right:76px;bottom:18px;z-index:2147483000;padding:8px 12px;" +
      "border-radius:18px;background:#1f6feb;color:#fff;font:600 13px system-ui,sans-serif;" +
      "text-decoration:none;box-shadow:0 2px 8px rgba(0,0,0,.25)");
    update(link);
    document.body.appendChild(link);
    window.addEventListener("hashchange", function () { update(link); });
    var runLink = document.createElement("a");
    runLink.id = "tracklab-run-link";
    runLink.textContent = "TrackLab run page \u2197";
    runLink.title = "Overview, charts, console log, files and artifacts of this run in TrackLab";
    runLink.setAttribute("style", link.getAttribute("style").replace("bottom:18px", "bottom:58px"));
    updateRunLink(runLink);
    document.body.appendChild(runLink);
    window.addEventListener("hashchange", function () { updateRunLink(runLink); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mount);
  else mount();
})();

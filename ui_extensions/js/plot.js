// plotly.js (4.8 MB, from the installed plotly package) is preloaded by the page but only run
// once the first data request is on its way: evaluating it blocks the page for a while, which
// then overlaps with the server's work instead of delaying the request.

import { whenAttached } from "./dom.js";

const SOURCE = new URL("static/vendor/plotly.min.js", document.baseURI).href;
let loading = null;

/** The Plotly global; the first call runs the script. */
export function plotly() {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!loading) {
    loading = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = SOURCE;
      script.addEventListener("load", () => resolve(window.Plotly));
      script.addEventListener("error", () => reject(new Error("plotly.js did not load")));
      document.head.append(script);
    });
  }
  return loading;
}

const CONFIG = { displaylogo: false, responsive: true };

/** Draw (or redraw) a plot in `node`. */
export async function plot(node, traces, layout, config = CONFIG) {
  const Plotly = await plotly();
  return whenAttached(node, () => Plotly.react(node, traces, layout, config));
}

// The run page's console log: `output.log` as the store holds it, tailed by polling while the
// run is live (each poll asks only for the bytes after the last one shown).

import { fileUrl, getJSON } from "./api.js";
import { h } from "./dom.js";

const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;   // colours and cursor moves of progress bars
const KEEP_CHARS = 2_000_000;              // the page keeps the last ~2 MB of text

/** Terminal text as a person saw it: no escape codes; a line rewritten with \r shows its last form. */
export function screenText(raw) {
  return raw.replace(ANSI, "").split("\n")
    .map((line) => { const parts = line.split("\r").filter((p) => p !== ""); return parts.length ? parts[parts.length - 1] : ""; })
    .join("\n");
}

/** A console panel for `runUuid`; `poll()` fetches what is new and returns whether the run is live. */
export function consoleLog(runUuid) {
  const pre = h("pre", { class: "console-log", id: "console-log", dataset: { bytes: "0", lines: "0" } });
  const status = h("span", { class: "muted", id: "console-status" }, "Loading the console log\u2026");
  const filter = h("input", { type: "search", class: "log-filter", placeholder: "Filter lines",
    "aria-label": "Filter lines" });
  const download = h("a", { id: "console-raw", href: fileUrl(runUuid, "output.log"), target: "_blank", rel: "noopener" },
    "output.log \u2193");
  const node = h("div", { class: "card" }, h("div", { class: "controls" }, filter, download, status), pre);
  let raw = "";    // as stored (the screen form is re-derived: a \r or escape code may straddle two polls)
  let text = "";
  let offset = null;

  function draw() {
    const needle = filter.value.toLowerCase();
    const lines = text.split("\n");
    const shown = needle ? lines.filter((l) => l.toLowerCase().includes(needle)) : lines;
    const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
    pre.textContent = shown.join("\n");
    pre.dataset.lines = String(lines.filter((l) => l !== "").length);
    pre.dataset.shown = String(shown.filter((l) => l !== "").length);
    if (atBottom || needle) pre.scrollTop = pre.scrollHeight;
  }
  filter.addEventListener("input", draw);

  async function poll() {
    const chunk = await getJSON("run/log", { run: runUuid, offset: offset === null ? "" : offset });
    if (chunk.reset || offset === null) raw = "";
    offset = chunk.next;
    download.hidden = !chunk.stored;
    if (!chunk.stored) {
      status.textContent = chunk.live ? "No console output stored yet: it appears here as the run uploads it."
        : "This run stored no console log (output.log).";
      pre.hidden = true;
      return { live: chunk.live, grew: false };
    }
    pre.hidden = false;
    const grew = chunk.text.length > 0;
    if (grew) {
      raw = (raw + chunk.text).slice(-KEEP_CHARS);
      text = screenText(raw);
      draw();
    }
    pre.dataset.bytes = String(chunk.next);
    status.textContent = (chunk.cut ? "The start of this long log is not shown. " : "") +
      (chunk.live ? "Live: new lines appear as the run uploads them." : `${chunk.size} bytes.`);
    return { live: chunk.live, grew };
  }

  return { node, poll };
}

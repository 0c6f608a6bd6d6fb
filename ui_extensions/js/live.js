// Live runs: while some run of the workspace is running, re-read those runs every few seconds
// (their state, summary and config), add their new points to the charts shown and refresh the
// runs table; once none is running, stop polling. Separately, and for as long as the page is
// open and visible, ask for runs started since the newest one shown, and add them.

import { getJSON } from "./api.js";

export const DEFAULT_POLL_MS = 5000;
const BATCH = 100;   // runs per poll (the route's limit): the drawn ones first, the others in turn

export class LivePoller {
  /** `ws`: the workspace (runs, charts, table); `intervalMs`: the pause between two polls. */
  constructor(ws, intervalMs = DEFAULT_POLL_MS) {
    this.ws = ws;
    this.intervalMs = intervalMs;
    this.timer = null;
    this.polls = 0;
    this.cursor = 0;
    this.watchTimer = null;
    this.arrivals = 0;   // runs added since the page opened
  }

  /** The live runs to re-read now: every drawn one, then the next of the others (a sweep of
   * 2,000 running runs is read 100 at a time, in turn). */
  batch(live) {
    const drawn = new Set(this.ws.selectedRuns().map((r) => r.run_uuid));
    const first = live.filter((r) => drawn.has(r.run_uuid)).slice(0, BATCH);
    const rest = live.filter((r) => !drawn.has(r.run_uuid));
    const room = BATCH - first.length;
    if (!rest.length || room <= 0) return first;
    if (this.cursor >= rest.length) this.cursor = 0;
    const next = rest.slice(this.cursor, this.cursor + room);
    this.cursor += room;
    return [...first, ...next];
  }

  running() { return this.ws.runs.filter((r) => r.state === "running"); }

  start() {
    if (!this.running().length) return this.stop();
    document.body.dataset.live = "on";
    this.timer = setTimeout(() => this.tick(), this.intervalMs);
    return this;
  }

  stop() {
    clearTimeout(this.timer);
    this.timer = null;
    document.body.dataset.live = "stopped";
    return this;
  }

  async tick() {
    const live = this.running();
    if (!live.length) return this.stop();
    try {
      await this.poll(this.batch(live));
    } catch (error) {
      console.warn("live update failed", error);  // the next poll tries again
    }
    this.polls += 1;
    document.body.dataset.polls = String(this.polls);
    if (this.running().length) this.timer = setTimeout(() => this.tick(), this.intervalMs);
    else this.stop();
  }

  /** Look for new runs every interval from now on (independent of the live runs' polling). */
  watch() {
    this.watchTimer = setTimeout(async () => {
      if (!document.hidden) {
        try {
          await this.arrived();
        } catch (error) {
          console.warn("looking for new runs failed", error);  // the next look tries again
        }
      }
      this.watch();
    }, this.intervalMs);
    return this;
  }

  /** Add the runs started after the newest one the workspace has; start polling if one runs. */
  async arrived() {
    const ws = this.ws;
    const newest = Math.max(0, ...ws.runs.map((r) => r.start_time || 0));
    const data = await getJSON("runs-table", { project: ws.project, after: newest });
    const added = ws.addRuns(data.runs);
    if (!added.length) return;
    this.arrivals += added.length;
    document.body.dataset.arrivals = String(this.arrivals);
    ws.table.refresh();  // its rows decide what the charts draw
    if (ws.onNewKeys) ws.onNewKeys();
    if (!this.timer && this.running().length) this.start();
  }

  async poll(live) {
    const ws = this.ws;
    const ids = live.map((r) => r.run_uuid);
    const data = await getJSON("runs-table", { project: ws.project, runs: ids.join(",") });
    let newKeys = false;
    let newObjects = false;
    for (const fresh of data.runs) {
      const run = ws.runs.find((r) => r.run_uuid === fresh.run_uuid);
      if (!run) continue;
      newKeys ||= fresh.metrics.some((k) => !run.metrics.includes(k));
      newObjects ||= (fresh.objects || []).length !== (run.objects || []).length;
      Object.assign(run, fresh);  // the table's rows hold these objects
    }
    ws.table.refresh();
    if (newKeys && ws.onNewKeys) ws.onNewKeys();
    const drawn = new Set(ws.selectedRuns().map((r) => r.run_uuid));
    const shown = ids.filter((id) => drawn.has(id));
    if (!shown.length) return;
    await Promise.all(ws.charts.filter((c) => c.loaded()).map((c) => c.update(shown)));
    if (newObjects && ws.rebuildMedia) {
      for (const id of shown) { ws._media.delete(id); ws._details.delete(id); }
      await ws.rebuildMedia();
    }
  }
}

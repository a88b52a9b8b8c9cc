import { ROWS_SCRIPT } from "./page-rows.js";

/**
 * The page's views of one engine: rates and histograms, the per-process list, and the fleet
 * view (entries in the shared store, read on demand). Runs after page-script.ts, and starts
 * the polling.
 */
export const VIEWS_SCRIPT = `${ROWS_SCRIPT}${String.raw`
const HIST_LABELS = ["\u2264 100 ms", "\u2264 1 s", "\u2264 10 s", "\u2264 1 min", "\u2264 10 min", "\u2264 1 h", "\u2264 1 d", "> 1 d"];
const RATE_COLUMNS = [["hits", "hits/s"], ["staleServes", "stale/s"], ["misses", "misses/s"],
  ["staleIfError", "stale-if-error/s"], ["fetchErrors", "fetch errors/s"]];

function buildPanels(s) {
  const rates = el("table", "rates");
  const age = el("div", "hist");
  const lag = el("div", "hist");
  const node = el("div", "panels",
    el("div", "panel rates-panel", el("h3", "", "Rates"), rates),
    el("div", "panel", el("h3", "", "Age of served values"), age),
    el("div", "panel", el("h3", "", "Refresh lag (how long values were stale)"), lag));
  return { node, rates, age, lag };
}

function rate(value) {
  return value === 0 ? "0" : value < 0.1 ? value.toFixed(3) : value < 10 ? value.toFixed(2) : value.toFixed(0);
}

/** "1 min", "47 s": a window's length, said the way people say it. */
function span(ms) {
  if (ms >= 60000) return +(ms / 60000).toFixed(1) + " min";
  return Math.max(1, Math.round(ms / 1000)) + " s";
}

function renderRates(table, windows) {
  const head = el("tr", "", el("th", "", "window"));
  for (const [, title] of RATE_COLUMNS) head.append(el("th", "", title));
  head.append(el("th", "", "fetch p50"), el("th", "", "fetch p99"));
  const body = el("tbody");
  for (const w of windows) {
    // While the inspector has been watched for less than the window, say how much it covers.
    const covered = "last " + span(w.windowMs) + (w.coveredMs >= w.windowMs - 5000 ? "" : " (" + span(w.coveredMs) + " so far)");
    const tr = el("tr", "", el("td", "", covered));
    tr.dataset.window = String(w.windowMs);
    for (const [name] of RATE_COLUMNS) {
      const td = el("td", "", w.perSecond === null ? "\u2026" : rate(w.perSecond[name]));
      td.dataset.rate = name;
      tr.append(td);
    }
    const d = w.fetchDuration;
    tr.append(el("td", "", d.count === 0 ? "\u2013" : duration(d.p50Ms)), el("td", "", d.count === 0 ? "\u2013" : duration(d.p99Ms) + " (" + d.count + ")"));
    body.append(tr);
  }
  table.replaceChildren(el("thead", "", head), body);
}

/** Cumulative Prometheus-style buckets drawn as one bar per bucket. */
function renderHistogram(node, histogram) {
  node.replaceChildren();
  let previous = 0;
  const counts = histogram.buckets.map((bucket) => {
    const count = bucket.count - previous;
    previous = bucket.count;
    return count;
  });
  const most = Math.max(1, ...counts);
  counts.forEach((count, i) => {
    const fill = el("span", "fill");
    fill.style.width = ((count / most) * 100).toFixed(1) + "%";
    node.append(el("span", "", HIST_LABELS[i] || ""), el("span", "track", fill), el("span", "count", String(count)));
  });
  node.title = histogram.count + " values, mean " + duration(histogram.count ? histogram.sumMs / histogram.count : 0);
}

function renderPanels(s, ns) {
  renderRates(s.panels.rates, ns.rates);
  renderHistogram(s.panels.age, ns.stats.ageMs);
  renderHistogram(s.panels.lag, ns.stats.refreshLagMs);
}

function entryTable(titles) {
  const head = el("tr");
  for (const title of titles) head.append(el("th", "", title));
  const tbody = el("tbody");
  return { table: el("table", "entries", el("thead", "", head), tbody), tbody };
}

function buildLocalView(s) {
  const { table, tbody } = entryTable(["Key", "State", "Age against TTLs", "Last fetch", config.showValues ? "Value" : null, ""].filter((t) => t !== null));
  const empty = el("p", "muted", "No keys fetched yet.");
  const nothing = el("p", "muted", "No key matches the filter.");
  return { node: el("div", "view local", table, empty, nothing), tbody, empty, nothing };
}

function renderLocalView(s, ns, showValues) {
  const seen = new Set();
  for (const entry of ns.entries) {
    entry.rowId = entry.id;
    seen.add(entry.id);
    let row = s.rows.get(entry.id);
    if (!row) {
      const cells = { key: cell("key"), state: cell("state-cell"), age: cell("age", "age"), last: cell("last", "last fetch") };
      if (showValues) cells.value = cell("value-cell", "value");
      row = newRow(ns.name, cells, true);
      s.rows.set(entry.id, row);
    }
    updateRow(row, ns.name, entry);
  }
  for (const [id, row] of s.rows) {
    if (!seen.has(id)) {
      row.tr.remove();
      s.rows.delete(id);
    }
  }
  const visible = placeRows(s.local.tbody, s.rows, ns.entries);
  s.local.empty.hidden = ns.entries.length > 0;
  s.local.nothing.hidden = ns.entries.length === 0 || visible > 0;
}

function buildTabs(s) {
  const localTab = el("button", "", "This process");
  const fleetTab = el("button", "", "Fleet (shared store)");
  for (const [tab, view] of [[localTab, "local"], [fleetTab, "fleet"]]) {
    tab.type = "button";
    tab.setAttribute("role", "tab");
    tab.dataset.view = view;
    tab.addEventListener("click", () => showView(s, view));
  }
  localTab.setAttribute("aria-selected", "true");
  fleetTab.setAttribute("aria-selected", "false");
  fleetTab.hidden = true;
  return { node: el("div", "tabs", localTab, fleetTab), localTab, fleetTab };
}

function showView(s, view) {
  s.tabs.localTab.setAttribute("aria-selected", String(view === "local"));
  s.tabs.fleetTab.setAttribute("aria-selected", String(view === "fleet"));
  s.local.node.hidden = view !== "local";
  if (view === "fleet" && !s.fleet) {
    const { table, tbody } = entryTable(["Key", "State", "Age against TTLs"]);
    const summary = el("p", "muted", "Reading the shared store\u2026");
    s.fleet = { node: el("div", "view fleet", summary, table), tbody, summary, rows: new Map(), open: false, at: 0, data: null };
    s.node.append(s.fleet.node);
  }
  if (s.fleet) {
    s.fleet.open = view === "fleet";
    s.fleet.node.hidden = view !== "fleet";
    if (s.fleet.open) loadFleet(s);
  }
}

/** The shared store is scanned at most every 5 s (the server keeps the answer that long too). */
function refreshOpenFleets() {
  for (const s of sections.values()) {
    if (s.fleet && s.fleet.open && Date.now() - s.fleet.at >= Math.max(config.pollMs, 5000)) loadFleet(s);
  }
}

async function loadFleet(s) {
  s.fleet.at = Date.now();
  try {
    renderFleet(s, await call("/api/fleet?" + new URLSearchParams({ engine: s.name }), "GET"));
  } catch (error) {
    s.fleet.summary.textContent = "The shared store could not be read: " + error.message;
    s.fleet.summary.className = "error";
  }
}

function renderFleet(s, view) {
  const f = s.fleet;
  f.data = view;
  f.summary.className = view.error ? "error" : "muted";
  f.summary.textContent = view.error
    ? "The shared store could not be read: " + view.error
    : view.entries.length + " entries of this namespace in the shared store" +
      (view.truncated ? " (the first " + view.limit + " found; the scan is bounded)" : "") +
      ", whichever process fetched them. States come from the entries' times; tag invalidations are not applied here.";
  const seen = new Set();
  for (const entry of view.entries) {
    entry.rowId = "k" + keyText(entry.key);
    seen.add(entry.rowId);
    let row = f.rows.get(entry.rowId);
    if (!row) {
      row = newRow(s.name, { key: cell("key"), state: cell("state-cell"), age: cell("age", "age") }, false);
      f.rows.set(entry.rowId, row);
    }
    updateRow(row, s.name, entry, entry.local ? "this process" : null);
  }
  for (const [id, row] of f.rows) {
    if (!seen.has(id)) {
      row.tr.remove();
      f.rows.delete(id);
    }
  }
  placeRows(f.tbody, f.rows, view.entries);
}

poll();
`}`;

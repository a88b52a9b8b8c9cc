/**
 * The page's views of one engine: rates and histograms, the per-process list, and the fleet
 * view (entries in the shared store, read on demand).
 */
import { call, config, placeRows, type Section, sections } from "./core.js";
import { duration, el, keyText } from "./dom.js";
import { type Cells, cell, newRow, type Row, updateRow } from "./rows.js";
import type {
  WireFleetEntry,
  WireFleetView,
  WireHistogram,
  WireNamespace,
  WireRates,
  WireRateWindow,
} from "./wire.js";

export interface Panels {
  node: HTMLElement;
  rates: HTMLTableElement;
  age: HTMLElement;
  lag: HTMLElement;
}

export interface LocalView {
  node: HTMLElement;
  tbody: HTMLElement;
  empty: HTMLElement;
  nothing: HTMLElement;
}

export interface Tabs {
  node: HTMLElement;
  localTab: HTMLButtonElement;
  fleetTab: HTMLButtonElement;
}

export interface FleetState {
  node: HTMLElement;
  tbody: HTMLElement;
  summary: HTMLElement;
  rows: Map<string, Row>;
  open: boolean;
  /** When it was last read (Date.now()). */
  at: number;
  data: WireFleetView | null;
}

type View = "local" | "fleet";

const HIST_LABELS = [
  "\u2264 100 ms",
  "\u2264 1 s",
  "\u2264 10 s",
  "\u2264 1 min",
  "\u2264 10 min",
  "\u2264 1 h",
  "\u2264 1 d",
  "> 1 d",
];
const RATE_COLUMNS: [keyof WireRates, string][] = [
  ["hits", "hits/s"],
  ["staleServes", "stale/s"],
  ["misses", "misses/s"],
  ["staleIfError", "stale-if-error/s"],
  ["fetchErrors", "fetch errors/s"],
];

export function buildPanels(): Panels {
  const rates = el("table", "rates");
  const age = el("div", "hist");
  const lag = el("div", "hist");
  const node = el(
    "div",
    "panels",
    el("div", "panel rates-panel", el("h3", "", "Rates"), rates),
    el("div", "panel", el("h3", "", "Age of served values"), age),
    el("div", "panel", el("h3", "", "Refresh lag (how long values were stale)"), lag),
  );
  return { node, rates, age, lag };
}

function rate(value: number): string {
  return value === 0
    ? "0"
    : value < 0.1
      ? value.toFixed(3)
      : value < 10
        ? value.toFixed(2)
        : value.toFixed(0);
}

/** "1 min", "47 s": a window's length, said the way people say it. */
function span(ms: number): string {
  if (ms >= 60000) return `${+(ms / 60000).toFixed(1)} min`;
  return `${Math.max(1, Math.round(ms / 1000))} s`;
}

function renderRates(table: HTMLTableElement, windows: readonly WireRateWindow[]): void {
  const head = el("tr", "", el("th", "", "window"));
  for (const [, title] of RATE_COLUMNS) head.append(el("th", "", title));
  head.append(el("th", "", "fetch p50"), el("th", "", "fetch p99"));
  const body = el("tbody");
  for (const w of windows) {
    // While the inspector has been watched for less than the window, say how much it covers.
    const covered = `last ${span(w.windowMs)}${w.coveredMs >= w.windowMs - 5000 ? "" : ` (${span(w.coveredMs)} so far)`}`;
    const tr = el("tr", "", el("td", "", covered));
    tr.dataset.window = String(w.windowMs);
    for (const [name] of RATE_COLUMNS) {
      const td = el("td", "", w.perSecond === null ? "\u2026" : rate(w.perSecond[name]));
      td.dataset.rate = name;
      tr.append(td);
    }
    const d = w.fetchDuration;
    tr.append(
      el("td", "", d.count === 0 ? "\u2013" : duration(d.p50Ms)),
      el("td", "", d.count === 0 ? "\u2013" : `${duration(d.p99Ms)} (${d.count})`),
    );
    body.append(tr);
  }
  table.replaceChildren(el("thead", "", head), body);
}

/** Cumulative Prometheus-style buckets drawn as one bar per bucket. */
function renderHistogram(node: HTMLElement, histogram: WireHistogram): void {
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
    fill.style.width = `${((count / most) * 100).toFixed(1)}%`;
    node.append(
      el("span", "", HIST_LABELS[i] || ""),
      el("span", "track", fill),
      el("span", "count", String(count)),
    );
  });
  node.title = `${histogram.count} values, mean ${duration(histogram.count ? histogram.sumMs / histogram.count : 0)}`;
}

export function renderPanels(s: Section, ns: WireNamespace): void {
  renderRates(s.panels.rates, ns.rates);
  renderHistogram(s.panels.age, ns.stats.ageMs);
  renderHistogram(s.panels.lag, ns.stats.refreshLagMs);
}

function entryTable(titles: readonly string[]): { table: HTMLTableElement; tbody: HTMLElement } {
  const head = el("tr");
  for (const title of titles) head.append(el("th", "", title));
  const tbody = el("tbody");
  return { table: el("table", "entries", el("thead", "", head), tbody), tbody };
}

export function buildLocalView(): LocalView {
  const titles = ["Key", "State", "Age against TTLs", "Last fetch", config.showValues ? "Value" : null, ""];
  const { table, tbody } = entryTable(titles.filter((t) => t !== null));
  const empty = el("p", "muted", "No keys fetched yet.");
  const nothing = el("p", "muted", "No key matches the filter.");
  return { node: el("div", "view local", table, empty, nothing), tbody, empty, nothing };
}

export function renderLocalView(s: Section, ns: WireNamespace, showValues: boolean): void {
  const seen = new Set<string>();
  for (const entry of ns.entries) {
    seen.add(entry.id);
    let row = s.rows.get(entry.id);
    if (!row) {
      const cells: Cells = {
        key: cell("key"),
        state: cell("state-cell"),
        age: cell("age", "age"),
        last: cell("last", "last fetch"),
      };
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
  const visible = placeRows(s.local.tbody, s.rows, ns.entries, (entry) => entry.id);
  s.local.empty.hidden = ns.entries.length > 0;
  s.local.nothing.hidden = ns.entries.length === 0 || visible > 0;
}

export function buildTabs(show: (view: View) => void): Tabs {
  const localTab = el("button", "", "This process");
  const fleetTab = el("button", "", "Fleet (shared store)");
  for (const [tab, view] of [
    [localTab, "local"],
    [fleetTab, "fleet"],
  ] as const) {
    tab.type = "button";
    tab.setAttribute("role", "tab");
    tab.dataset.view = view;
    tab.addEventListener("click", () => show(view));
  }
  localTab.setAttribute("aria-selected", "true");
  fleetTab.setAttribute("aria-selected", "false");
  fleetTab.hidden = true;
  return { node: el("div", "tabs", localTab, fleetTab), localTab, fleetTab };
}

export function showView(s: Section, view: View): void {
  s.tabs.localTab.setAttribute("aria-selected", String(view === "local"));
  s.tabs.fleetTab.setAttribute("aria-selected", String(view === "fleet"));
  s.local.node.hidden = view !== "local";
  if (view === "fleet" && !s.fleet) {
    const { table, tbody } = entryTable(["Key", "State", "Age against TTLs"]);
    const summary = el("p", "muted", "Reading the shared store\u2026");
    s.fleet = {
      node: el("div", "view fleet", summary, table),
      tbody,
      summary,
      rows: new Map(),
      open: false,
      at: 0,
      data: null,
    };
    s.node.append(s.fleet.node);
  }
  if (s.fleet) {
    s.fleet.open = view === "fleet";
    s.fleet.node.hidden = view !== "fleet";
    if (s.fleet.open) loadFleet(s);
  }
}

/** The shared store is scanned at most every 5 s (the server keeps the answer that long too). */
export function refreshOpenFleets(): void {
  for (const s of sections.values()) {
    if (s.fleet?.open && Date.now() - s.fleet.at >= Math.max(config.pollMs, 5000)) loadFleet(s);
  }
}

export async function loadFleet(s: Section): Promise<void> {
  const fleet = s.fleet as FleetState;
  fleet.at = Date.now();
  try {
    renderFleet(s, await call<WireFleetView>(`/api/fleet?${new URLSearchParams({ engine: s.name })}`, "GET"));
  } catch (error) {
    fleet.summary.textContent = `The shared store could not be read: ${(error as Error).message}`;
    fleet.summary.className = "error";
  }
}

const fleetRowId = (entry: WireFleetEntry) => `k${keyText(entry.key)}`;

export function renderFleet(s: Section, view: WireFleetView): void {
  const f = s.fleet as FleetState;
  f.data = view;
  f.summary.className = view.error ? "error" : "muted";
  f.summary.textContent = view.error
    ? `The shared store could not be read: ${view.error}`
    : `${view.entries.length} entries of this namespace in the shared store` +
      (view.truncated ? ` (the first ${view.limit} found; the scan is bounded)` : "") +
      ", whichever process fetched them. States come from the entries' times; tag invalidations are not applied here.";
  const seen = new Set<string>();
  for (const entry of view.entries) {
    const id = fleetRowId(entry);
    seen.add(id);
    let row = f.rows.get(id);
    if (!row) {
      row = newRow(s.name, { key: cell("key"), state: cell("state-cell"), age: cell("age", "age") }, false);
      f.rows.set(id, row);
    }
    updateRow(row, s.name, entry, entry.local ? "this process" : null);
  }
  for (const [id, row] of f.rows) {
    if (!seen.has(id)) {
      row.tr.remove();
      f.rows.delete(id);
    }
  }
  placeRows(f.tbody, f.rows, view.entries, fleetRowId);
}

/**
 * The page's core, run in the browser: polling, the sections of each engine, and the
 * controls of the header. Every piece of data (keys, tags, errors, values) reaches the DOM
 * through text nodes and attributes set one by one, never as HTML, so a key like
 * `<img onerror=…>` is shown, not run. Rows are updated in place between polls so a click on
 * a button is never lost to a re-render. The rows and actions are in rows.ts; histograms,
 * rates and the fleet view in views.ts.
 */
import { byId, duration, el, keyText, readConfig, wipeTokenFromAddress } from "./dom.js";
import type { Row } from "./rows.js";
import {
  buildLocalView,
  buildPanels,
  buildTabs,
  type FleetState,
  type LocalView,
  type Panels,
  refreshOpenFleets,
  renderFleet,
  renderLocalView,
  renderPanels,
  showView,
  type Tabs,
} from "./views.js";
import type { PageConfig, RowEntry, WireNamespace, WireSnapshot, WireStats } from "./wire.js";

export const config = readConfig<PageConfig>();

/** One engine's part of the page. */
export interface Section {
  name: string;
  node: HTMLElement;
  title: HTMLElement;
  stats: HTMLElement;
  problem: HTMLElement;
  rows: Map<string, Row>;
  fleet: FleetState | null;
  panels: Panels;
  local: LocalView;
  tabs: Tabs;
}

const root = byId("namespaces");
const statusLine = byId("status");
const notice = byId("notice");
const filterInput = byId<HTMLInputElement>("filter");
const stateFilter = byId<HTMLSelectElement>("state-filter");
const sortSelect = byId<HTMLSelectElement>("sort");
const pauseButton = byId<HTMLButtonElement>("pause");
const signInButton = byId<HTMLButtonElement>("sign-in");
const signOutButton = document.getElementById("sign-out");
export const sections = new Map<string, Section>();
const STATE_ORDER = ["fresh", "stale", "stale-if-error", "expired", "missing"];
let paused = false;
let stopped = false;
let timer: ReturnType<typeof setTimeout> | undefined;
let polling = false;
let lastData: WireSnapshot | null = null;

function setStatus(text: string, failed: boolean): void {
  statusLine.textContent = text;
  statusLine.className = failed ? "error" : "muted";
}

export function say(text: string, kind: string): void {
  notice.className = kind;
  notice.textContent = text;
}

/** After a 401 the session is over: polling stops until the user signs in again. */
function signedOut(): void {
  stopped = true;
  clearTimeout(timer);
  setStatus("Signed out (the session ended or the token changed): updates stopped.", true);
  signInButton.hidden = false;
}

/** Same-origin requests carry the session cookie; actions add the header no other site can send. */
export async function call<T>(path: string, method: "GET" | "POST"): Promise<T> {
  const response = await fetch(config.basePath + path, {
    method,
    credentials: "same-origin",
    cache: "no-store",
    headers: method === "GET" ? {} : { "x-isr-inspector": "1" },
  });
  if (response.status === 401) {
    signedOut();
    throw new Error("signed out");
  }
  const body = (await response.json().catch(() => ({}))) as T & { error?: string };
  if (!response.ok) throw new Error(body.error || `HTTP ${response.status}`);
  return body;
}

function matches(entry: RowEntry, filter: string, state: string): boolean {
  if (filter !== "" && !keyText(entry.key).toLowerCase().includes(filter)) return false;
  if (state === "") return true;
  return state === "fetching" ? entry.fetching === true : entry.state === state;
}

type Compare = (a: RowEntry & { lastFetch?: { durationMs: number } }, b: typeof a) => number;

function compareBy(sort: string): Compare {
  const byKey: Compare = (a, b) =>
    keyText(a.key) < keyText(b.key) ? -1 : keyText(a.key) > keyText(b.key) ? 1 : 0;
  if (sort === "state") {
    return (a, b) => STATE_ORDER.indexOf(a.state) - STATE_ORDER.indexOf(b.state) || byKey(a, b);
  }
  if (sort === "age") return (a, b) => (b.ageMs ?? -1) - (a.ageMs ?? -1) || byKey(a, b);
  if (sort === "fetch") {
    return (a, b) =>
      (b.lastFetch ? b.lastFetch.durationMs : -1) - (a.lastFetch ? a.lastFetch.durationMs : -1) ||
      byKey(a, b);
  }
  return byKey;
}

/** Puts the rows in order, moving them only when the order changed (a moved row eats a click). */
export function placeRows<E extends RowEntry>(
  tbody: HTMLElement,
  rows: Map<string, Row>,
  entries: readonly E[],
  rowId: (entry: E) => string,
): number {
  const filter = filterInput.value.trim().toLowerCase();
  const state = stateFilter.value;
  const order = [...entries].sort(compareBy(sortSelect.value)).map((entry) => {
    const row = rows.get(rowId(entry)) as Row;
    row.tr.hidden = !matches(entry, filter, state);
    return row.tr;
  });
  const current = [...tbody.children];
  if (current.length !== order.length || current.some((tr, i) => tr !== order[i])) tbody.append(...order);
  return order.filter((tr) => !tr.hidden).length;
}

function section(ns: WireNamespace): Section {
  const known = sections.get(ns.name);
  if (known) return known;
  const title = el("h2");
  const stats = el("dl", "stats");
  const problem = el("p", "error");
  const node = el("section", "ns", title, stats, problem);
  node.dataset.name = ns.name;
  const s: Section = {
    name: ns.name,
    node,
    title,
    stats,
    problem,
    rows: new Map(),
    fleet: null,
    panels: buildPanels(),
    local: buildLocalView(),
    tabs: buildTabs((view) => showView(s, view)),
  };
  node.append(s.panels.node, s.tabs.node, s.local.node);
  sections.set(ns.name, s);
  root.append(node);
  return s;
}

function statItems(stats: WireStats): [string, string | number][] {
  const f = stats.fetches;
  return [
    ["fresh", stats.served.fresh],
    ["stale", stats.served.stale],
    ["miss", stats.served.miss],
    ["stale-if-error", stats.served.staleIfError],
    ["errors", stats.errors],
    ["hit ratio", `${(stats.hitRatio * 100).toFixed(1)}%`],
    ["in flight", f.inFlight + (f.queued ? ` (+${f.queued} queued)` : "")],
    ["fetches", `${f.started} started, ${f.succeeded} ok, ${f.failed} failed, ${f.timedOut} timed out`],
    ["refreshes", `${stats.refreshes.succeeded} ok, ${stats.refreshes.failed} failed`],
    ["store entries", stats.storeEntries === undefined ? "?" : stats.storeEntries],
    ["evictions", stats.evictions],
  ];
}

function render(data: WireSnapshot): void {
  lastData = data;
  const seen = new Set<string>();
  for (const ns of data.namespaces) {
    seen.add(ns.name);
    const s = section(ns);
    s.title.replaceChildren(ns.name);
    if (ns.namespace !== ns.name) s.title.append(" ", el("small", "muted", `namespace ${ns.namespace}`));
    s.stats.replaceChildren();
    for (const [name, value] of statItems(ns.stats)) {
      s.stats.append(el("div", "", el("dt", "", name), el("dd", "", String(value))));
    }
    s.problem.textContent = ns.error === undefined ? "" : `inspect failed: ${ns.error}`;
    renderPanels(s, ns);
    renderLocalView(s, ns, data.showValues);
    s.tabs.fleetTab.hidden = !ns.fleet;
  }
  for (const [name, s] of sections) {
    if (!seen.has(name)) {
      s.node.remove();
      sections.delete(name);
    }
  }
}

/** Re-sorts and re-filters what is shown, without asking the server. */
function rerender(): void {
  if (lastData) render(lastData);
  for (const s of sections.values()) if (s.fleet?.data) renderFleet(s, s.fleet.data);
}

export async function poll(): Promise<void> {
  if (polling || stopped) return;
  polling = true;
  clearTimeout(timer);
  try {
    render(await call<WireSnapshot>("/api", "GET"));
    setStatus(
      `Updated ${new Date().toLocaleTimeString()}${paused ? " (paused)" : `, every ${duration(config.pollMs)}`}`,
      false,
    );
    refreshOpenFleets();
  } catch (error) {
    if (!stopped) setStatus(`Cannot reach the inspector: ${(error as Error).message}`, true);
  } finally {
    polling = false;
    if (!paused && !stopped && !document.hidden) timer = setTimeout(poll, config.pollMs);
  }
}

/** Wires the header's controls; the page starts polling right after. */
export function start(): void {
  // Signed in by cookie, the page never needs a token in its address: wipe any left there.
  wipeTokenFromAddress();
  window.addEventListener("hashchange", wipeTokenFromAddress);
  filterInput.addEventListener("input", rerender);
  stateFilter.addEventListener("change", rerender);
  sortSelect.addEventListener("change", rerender);
  pauseButton.addEventListener("click", () => {
    paused = !paused;
    pauseButton.textContent = paused ? "Resume" : "Pause";
    pauseButton.setAttribute("aria-pressed", String(paused));
    if (!paused) poll();
    else clearTimeout(timer);
  });
  signInButton.addEventListener("click", () => location.reload());
  if (signOutButton) {
    signOutButton.addEventListener("click", async () => {
      await fetch(`${config.basePath}/session`, { method: "DELETE", headers: { "x-isr-inspector": "1" } });
      location.reload();
    });
  }
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && !paused) poll();
  });
  poll();
}

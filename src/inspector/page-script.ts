/**
 * The page's script, run in the browser: polling, the sections and the rows of each engine.
 * Every piece of data (keys, tags, errors, values) reaches the DOM through text nodes and
 * attributes set one by one, never as HTML, so a key like `<img onerror=…>` is shown, not
 * run. Rows are updated in place between polls so a click on a button is never lost to a
 * re-render. The histograms, rates, fleet view and dialogs are in page-views.ts.
 */
export const PAGE_SCRIPT = String.raw`
"use strict";
const config = JSON.parse(document.getElementById("isr-config").textContent);
/** Signed in by cookie, the page never needs a token in its address: wipe any left there. */
function wipeTokenFromAddress() {
  const params = new URLSearchParams(location.search);
  if (params.has("token") || /(^#|&)token=/.test(location.hash)) {
    params.delete("token");
    const query = params.toString();
    history.replaceState(null, "", location.pathname + (query ? "?" + query : ""));
  }
}
wipeTokenFromAddress();
window.addEventListener("hashchange", wipeTokenFromAddress);
const api = config.basePath + "/api";
const root = document.getElementById("namespaces");
const statusLine = document.getElementById("status");
const notice = document.getElementById("notice");
const filterInput = document.getElementById("filter");
const stateFilter = document.getElementById("state-filter");
const sortSelect = document.getElementById("sort");
const pauseButton = document.getElementById("pause");
const signInButton = document.getElementById("sign-in");
const signOutButton = document.getElementById("sign-out");
const sections = new Map();
const STATE_ORDER = ["fresh", "stale", "stale-if-error", "expired", "missing"];
let paused = false;
let stopped = false;
let timer = 0;
let polling = false;
let lastData = null;

function el(tag, className, ...children) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  for (const child of children) if (child !== undefined && child !== null) node.append(child);
  return node;
}

function duration(ms) {
  if (ms === null) return "\u221e";
  if (ms === undefined) return "\u2013";
  const units = [[86400000, " d"], [3600000, " h"], [60000, " min"], [1000, " s"]];
  for (const [size, unit] of units) if (Math.abs(ms) >= size) return (ms / size).toFixed(1) + unit;
  return ms > 0 && ms < 1 ? "<1 ms" : Math.round(ms) + " ms";
}

function keyText(key) {
  return typeof key === "string" ? key : JSON.stringify(key);
}

function setStatus(text, failed) {
  statusLine.textContent = text;
  statusLine.className = failed ? "error" : "muted";
}

function say(text, kind) {
  notice.className = kind;
  notice.textContent = text;
}

/** After a 401 the session is over: polling stops until the user signs in again. */
function signedOut() {
  stopped = true;
  clearTimeout(timer);
  setStatus("Signed out (the session ended or the token changed): updates stopped.", true);
  signInButton.hidden = false;
}

/** Same-origin requests carry the session cookie; actions add the header no other site can send. */
async function call(path, method) {
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
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error || "HTTP " + response.status);
  return body;
}

function matches(entry, filter, state) {
  if (filter !== "" && !keyText(entry.key).toLowerCase().includes(filter)) return false;
  if (state === "") return true;
  return state === "fetching" ? entry.fetching === true : entry.state === state;
}

function compareBy(sort) {
  const byKey = (a, b) => (keyText(a.key) < keyText(b.key) ? -1 : keyText(a.key) > keyText(b.key) ? 1 : 0);
  if (sort === "state") return (a, b) => STATE_ORDER.indexOf(a.state) - STATE_ORDER.indexOf(b.state) || byKey(a, b);
  if (sort === "age") return (a, b) => (b.ageMs ?? -1) - (a.ageMs ?? -1) || byKey(a, b);
  if (sort === "fetch") {
    return (a, b) => (b.lastFetch ? b.lastFetch.durationMs : -1) - (a.lastFetch ? a.lastFetch.durationMs : -1) || byKey(a, b);
  }
  return byKey;
}

/** Puts the rows in order, moving them only when the order changed (a moved row eats a click). */
function placeRows(tbody, rows, entries) {
  const filter = filterInput.value.trim().toLowerCase();
  const state = stateFilter.value;
  const order = [...entries].sort(compareBy(sortSelect.value)).map((entry) => {
    const row = rows.get(entry.rowId);
    row.tr.hidden = !matches(entry, filter, state);
    return row.tr;
  });
  const current = [...tbody.children];
  if (current.length !== order.length || current.some((tr, i) => tr !== order[i])) tbody.append(...order);
  return order.filter((tr) => !tr.hidden).length;
}

function section(ns) {
  let s = sections.get(ns.name);
  if (s) return s;
  const title = el("h2");
  const stats = el("dl", "stats");
  const problem = el("p", "error");
  const node = el("section", "ns", title, stats, problem);
  node.dataset.name = ns.name;
  s = { name: ns.name, node, title, stats, problem, rows: new Map(), fleet: null };
  s.panels = buildPanels(s);
  s.local = buildLocalView(s);
  s.tabs = buildTabs(s);
  node.append(s.panels.node, s.tabs.node, s.local.node);
  sections.set(ns.name, s);
  root.append(node);
  return s;
}

function statItems(stats) {
  const f = stats.fetches;
  return [
    ["fresh", stats.served.fresh], ["stale", stats.served.stale], ["miss", stats.served.miss],
    ["stale-if-error", stats.served.staleIfError], ["errors", stats.errors],
    ["hit ratio", (stats.hitRatio * 100).toFixed(1) + "%"],
    ["in flight", f.inFlight + (f.queued ? " (+" + f.queued + " queued)" : "")],
    ["fetches", f.started + " started, " + f.succeeded + " ok, " + f.failed + " failed, " + f.timedOut + " timed out"],
    ["refreshes", stats.refreshes.succeeded + " ok, " + stats.refreshes.failed + " failed"],
    ["store entries", stats.storeEntries === undefined ? "?" : stats.storeEntries],
    ["evictions", stats.evictions],
  ];
}

function render(data) {
  lastData = data;
  const seen = new Set();
  for (const ns of data.namespaces) {
    seen.add(ns.name);
    const s = section(ns);
    s.title.replaceChildren(ns.name);
    if (ns.namespace !== ns.name) s.title.append(" ", el("small", "muted", "namespace " + ns.namespace));
    s.stats.replaceChildren();
    for (const [name, value] of statItems(ns.stats)) s.stats.append(el("div", "", el("dt", "", name), el("dd", "", String(value))));
    s.problem.textContent = ns.error === undefined ? "" : "inspect failed: " + ns.error;
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
function rerender() {
  if (lastData) render(lastData);
  for (const s of sections.values()) if (s.fleet && s.fleet.data) renderFleet(s, s.fleet.data);
}

async function poll() {
  if (polling || stopped) return;
  polling = true;
  clearTimeout(timer);
  try {
    render(await call("/api", "GET"));
    setStatus("Updated " + new Date().toLocaleTimeString() + (paused ? " (paused)" : ", every " + duration(config.pollMs)), false);
    refreshOpenFleets();
  } catch (error) {
    if (!stopped) setStatus("Cannot reach the inspector: " + error.message, true);
  } finally {
    polling = false;
    if (!paused && !stopped && !document.hidden) timer = setTimeout(poll, config.pollMs);
  }
}

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
    await fetch(config.basePath + "/session", { method: "DELETE", headers: { "x-isr-inspector": "1" } });
    location.reload();
  });
}
document.addEventListener("visibilitychange", () => {
  if (!document.hidden && !paused) poll();
});
`;

/**
 * The page's script, run in the browser. Every piece of data (keys, tags, errors, values)
 * reaches the DOM through text nodes and attributes set one by one, never as HTML, so a key
 * like `<img onerror=…>` is shown, not run. Rows are updated in place between polls so a
 * click on a button is never lost to a re-render.
 */
export const PAGE_SCRIPT = String.raw`
"use strict";
const config = JSON.parse(document.getElementById("isr-config").textContent);
const params = new URLSearchParams(location.search);
const token = params.get("token");
if (token !== null) {
  // Out of the address bar, history and bookmarks; the page keeps it in memory only.
  params.delete("token");
  const query = params.toString();
  history.replaceState(null, "", location.pathname + (query ? "?" + query : "") + location.hash);
}
const auth = token ? { authorization: "Bearer " + token } : {};
const api = config.basePath + "/api";
const root = document.getElementById("namespaces");
const statusLine = document.getElementById("status");
const notice = document.getElementById("notice");
const filterInput = document.getElementById("filter");
const pauseButton = document.getElementById("pause");
const sections = new Map();
let paused = false;
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

// Each phase (fresh, stale, stale-if-error) gets an equal share of the bar, so a 1 min TTL
// stays visible next to a 1 h stale window; the marker moves linearly within its phase.
function agePosition(entry, phases) {
  let rest = entry.ageMs;
  for (let i = 0; i < phases.length; i++) {
    const length = phases[i][1];
    if (length === null) return i + rest / (rest + 60000);
    if (rest < length) return i + rest / length;
    rest -= length;
  }
  return phases.length;
}

function renderBar(cell, entry) {
  cell.replaceChildren();
  if (entry.ageMs === undefined) {
    cell.append(el("span", "muted", "no value"));
    return;
  }
  const phases = [["fresh", entry.ttlMs], ["stale", entry.staleTtlMs], ["error-window", entry.staleIfErrorMs]]
    .filter(([, length]) => length !== 0);
  const bar = el("div", "bar");
  for (const [name] of phases) bar.append(el("span", "phase " + name));
  const marker = el("span", "marker");
  const at = phases.length === 0 ? 1 : agePosition(entry, phases) / phases.length;
  marker.style.left = Math.min(100, at * 100).toFixed(2) + "%";
  bar.append(marker);
  const limits = phases.map(([name, length]) => name + " " + duration(length)).join(" + ");
  bar.title = "age " + duration(entry.ageMs) + " of " + limits;
  cell.append(bar, el("div", "small", duration(entry.ageMs) + " / " + limits));
}

function renderLastFetch(cell, entry, now) {
  cell.replaceChildren();
  const last = entry.lastFetch;
  if (!last) {
    cell.append(el("span", "muted", "\u2013"));
    return;
  }
  const outcome = el("span", last.ok ? "ok" : "failed", last.ok ? "ok" : "failed");
  cell.append(outcome, " in " + duration(last.durationMs) + ", " + duration(now - last.at) + " ago");
  if (last.error !== undefined) {
    const error = el("div", "error", last.error.length > 300 ? last.error.slice(0, 300) + "\u2026" : last.error);
    error.title = last.error;
    cell.append(error);
  }
}

function renderValue(cell, entry) {
  cell.replaceChildren();
  if (entry.valueError !== undefined) cell.append(el("span", "error", entry.valueError));
  else if (entry.value !== undefined) cell.append(el("code", "value", entry.value + (entry.valueTruncated ? "\u2026" : "")));
  else cell.append(el("span", "muted", "\u2013"));
}

function newRow(ns, entry, showValues) {
  const cells = {
    key: el("td", "key"),
    state: el("td"),
    age: el("td", "age"),
    last: el("td", "last"),
    value: showValues ? el("td", "value-cell") : null,
    actions: el("td", "actions"),
  };
  for (const [label, action] of [["Revalidate", "revalidate"], ["Invalidate", "invalidate"]]) {
    const button = el("button", action, label);
    button.type = "button";
    button.dataset.action = action;
    button.addEventListener("click", () => act(button, ns, entry.id, action));
    cells.actions.append(button);
  }
  const tr = el("tr", "", cells.key, cells.state, cells.age, cells.last, cells.value, cells.actions);
  return { tr, cells };
}

function updateRow(row, entry, now) {
  const key = keyText(row.entry.key);
  row.tr.dataset.key = key;
  row.tr.dataset.state = entry.state;
  row.cells.key.replaceChildren(el("code", "", key));
  if (entry.tags && entry.tags.length > 0) row.cells.key.append(el("div", "small", "tags: " + entry.tags.join(", ")));
  const state = el("span", "state " + entry.state, entry.state);
  row.cells.state.replaceChildren(state);
  if (entry.fetching) row.cells.state.append(" ", el("span", "fetching", "fetching\u2026"));
  renderBar(row.cells.age, entry);
  renderLastFetch(row.cells.last, entry, now);
  if (row.cells.value) renderValue(row.cells.value, entry);
}

function statItems(stats) {
  const f = stats.fetches;
  return [
    ["fresh", stats.served.fresh], ["stale", stats.served.stale], ["miss", stats.served.miss],
    ["fallback", stats.served.fallback], ["errors", stats.errors],
    ["hit ratio", (stats.hitRatio * 100).toFixed(1) + "%"],
    ["in flight", f.inFlight + (f.queued ? " (+" + f.queued + " queued)" : "")],
    ["fetches", f.started + " started, " + f.succeeded + " ok, " + f.failed + " failed, " + f.timedOut + " timed out"],
    ["refreshes", stats.refreshes.succeeded + " ok, " + stats.refreshes.failed + " failed"],
    ["store entries", stats.storeEntries === undefined ? "?" : stats.storeEntries],
    ["evictions", stats.evictions],
  ];
}

function section(ns, showValues) {
  let s = sections.get(ns.name);
  if (s) return s;
  const head = el("tr");
  for (const title of ["Key", "State", "Age against TTLs", "Last fetch", showValues ? "Value" : null, ""]) {
    if (title !== null) head.append(el("th", "", title));
  }
  const tbody = el("tbody");
  const title = el("h2", "", ns.name);
  const stats = el("dl", "stats");
  const problem = el("p", "error");
  const empty = el("p", "muted", "No keys fetched yet.");
  const node = el("section", "ns", title, stats, problem, el("table", "", el("thead", "", head), tbody), empty);
  node.dataset.name = ns.name;
  s = { node, title, stats, problem, empty, tbody, rows: new Map() };
  sections.set(ns.name, s);
  root.append(node);
  return s;
}

function render(data) {
  lastData = data;
  const filter = filterInput.value.trim().toLowerCase();
  const seenSections = new Set();
  for (const ns of data.namespaces) {
    seenSections.add(ns.name);
    const s = section(ns, data.showValues);
    s.title.replaceChildren(ns.name);
    if (ns.namespace !== ns.name) s.title.append(" ", el("small", "muted", "namespace " + ns.namespace));
    s.stats.replaceChildren();
    for (const [name, value] of statItems(ns.stats)) s.stats.append(el("div", "", el("dt", "", name), el("dd", "", String(value))));
    s.problem.textContent = ns.error === undefined ? "" : "inspect failed: " + ns.error;
    const entries = [...ns.entries].sort((a, b) => (keyText(a.key) < keyText(b.key) ? -1 : 1));
    const seenRows = new Set();
    const order = [];
    for (const entry of entries) {
      seenRows.add(entry.id);
      let row = s.rows.get(entry.id);
      if (!row) {
        row = newRow(ns.name, entry, data.showValues);
        s.rows.set(entry.id, row);
      }
      row.entry = entry;
      updateRow(row, entry, data.now);
      row.tr.hidden = filter !== "" && !keyText(entry.key).toLowerCase().includes(filter);
      order.push(row.tr);
    }
    for (const [id, row] of s.rows) {
      if (!seenRows.has(id)) {
        row.tr.remove();
        s.rows.delete(id);
      }
    }
    // Moves rows only when the order changed: moving a row under the pointer would eat a click.
    const current = [...s.tbody.children];
    if (current.length !== order.length || current.some((tr, i) => tr !== order[i])) s.tbody.append(...order);
    s.empty.hidden = entries.length > 0;
  }
  for (const [name, s] of sections) {
    if (!seenSections.has(name)) {
      s.node.remove();
      sections.delete(name);
    }
  }
}

function setStatus(text, failed) {
  statusLine.textContent = text;
  statusLine.className = failed ? "error" : "muted";
}

async function poll() {
  if (polling) return;
  polling = true;
  clearTimeout(timer);
  try {
    const response = await fetch(api, { headers: auth, cache: "no-store" });
    if (response.status === 401) {
      setStatus("Unauthorized: open this page with ?token=<token> (the link printed by your server).", true);
      return;
    }
    if (!response.ok) {
      setStatus("The inspector answered " + response.status + ".", true);
      return;
    }
    render(await response.json());
    setStatus("Updated " + new Date().toLocaleTimeString() + (paused ? " (paused)" : ", every " + duration(config.pollMs)), false);
  } catch (error) {
    setStatus("Cannot reach the inspector: " + error.message, true);
  } finally {
    polling = false;
    if (!paused && !document.hidden) timer = setTimeout(poll, config.pollMs);
  }
}

async function act(button, ns, id, action) {
  button.disabled = true;
  const key = button.closest("tr").dataset.key;
  notice.className = "muted";
  notice.textContent = action + " " + key + "\u2026";
  try {
    const query = new URLSearchParams({ engine: ns, id });
    const response = await fetch(api + "/" + action + "?" + query, {
      method: "POST",
      headers: { ...auth, "x-isr-inspector": "1" },
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(body.error || "HTTP " + response.status);
    notice.className = "ok";
    notice.textContent = (action === "revalidate" ? "Revalidated " : "Invalidated ") + key + ".";
  } catch (error) {
    notice.className = "error";
    notice.textContent = action + " " + key + " failed: " + error.message;
  } finally {
    button.disabled = false;
    poll();
  }
}

filterInput.addEventListener("input", () => {
  if (lastData) render(lastData);
});
pauseButton.addEventListener("click", () => {
  paused = !paused;
  pauseButton.textContent = paused ? "Resume" : "Pause";
  pauseButton.setAttribute("aria-pressed", String(paused));
  if (!paused) poll();
  else clearTimeout(timer);
});
document.addEventListener("visibilitychange", () => {
  if (!document.hidden && !paused) poll();
});
poll();
`;

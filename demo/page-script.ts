/**
 * The demo page's script, run in the browser: asks for the tenant's settings every second and
 * lists each answer with how long it took, so a miss (waiting for the slow source) stands next
 * to the instant fresh and stale serves, and marks the answer where a background refresh landed
 * (the version changes). Data reaches the DOM as text only.
 */
export const DEMO_SCRIPT = `
"use strict";
const config = JSON.parse(document.getElementById("demo-config").textContent);
const rows = document.getElementById("requests");
const stateBadge = document.getElementById("state");
const ageText = document.getElementById("age");
const valueText = document.getElementById("value");
let lastVersion = config.version;

function cell(text, className) {
  const td = document.createElement("td");
  if (className) td.className = className;
  td.textContent = text;
  return td;
}

function record(label, state, ms, version, ageMs) {
  const tr = document.createElement("tr");
  tr.dataset.state = state;
  const badge = document.createElement("span");
  badge.className = "state " + state;
  badge.textContent = state;
  const changed = lastVersion !== undefined && version !== undefined && version !== lastVersion;
  const note = changed
    ? "refreshed: v" + lastVersion + " → v" + version
    : state === "miss" ? "waited for the source" : state === "stale" ? "old value at once; refreshing in the background" : "";
  if (changed) tr.className = "refreshed";
  if (version !== undefined) lastVersion = version;
  tr.append(
    cell(label),
    document.createElement("td"),
    cell(Math.round(ms) + " ms", "ms"),
    cell(version === undefined ? "?" : "v" + version, "version"),
    cell((ageMs / 1000).toFixed(1) + " s"),
    cell(note, "note"),
  );
  tr.children[1].append(badge);
  rows.prepend(tr);
  while (rows.children.length > config.keep) rows.lastElementChild.remove();
}

// The page load itself was the first request: its time comes from the navigation timing.
const navigation = performance.getEntriesByType("navigation")[0];
record(
  "page load",
  config.state,
  navigation ? navigation.responseStart - navigation.requestStart : 0,
  config.version,
  config.ageMs,
);

async function ask() {
  const started = performance.now();
  try {
    const response = await fetch("/settings.json", { headers: { "x-tenant": config.tenant }, cache: "no-store" });
    const ms = performance.now() - started;
    const body = await response.json();
    const state = body.isr ? body.isr.state : "error";
    record(new Date().toLocaleTimeString(), state, ms, body.settings && body.settings.version, body.isr ? body.isr.ageMs : 0);
    stateBadge.textContent = state;
    stateBadge.className = "state " + state;
    ageText.textContent = ((body.isr ? body.isr.ageMs : 0) / 1000).toFixed(1);
    valueText.textContent = JSON.stringify(body.settings, null, 2);
  } catch (error) {
    record(new Date().toLocaleTimeString(), "error", performance.now() - started, undefined, 0);
  }
}
setInterval(ask, config.pollMs);
`;

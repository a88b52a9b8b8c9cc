import type { IsrInfo } from "../src/index.js";
import { DEMO_SCRIPT } from "./page-script.js";
import type { TenantSettings } from "./settings-source.js";

export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export interface PageOptions {
  port: number;
  /** How long the settings source takes. */
  latencyMs: number;
  ttlMs: number;
  staleTtlMs: number;
  /** How often the page asks again. */
  pollMs: number;
  /** The inspector's address with its token; shown only to a viewer on this machine. */
  inspectorUrl: string | undefined;
}

/** JSON inside a `<script>`: `<` is escaped so no string can close the element. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, "\\u003c");

const seconds = (ms: number) => `${ms / 1000} s`;

/**
 * The demo's page: tenant, value, state and age as served, then a live list of requests, each
 * with its response time, so ISR's point shows: a miss waits for the slow source, a stale
 * value is served at once while one background refresh runs, and the version changes when it lands.
 */
export function renderPage(
  value: TenantSettings | undefined,
  info: IsrInfo | undefined,
  options: PageOptions,
) {
  const state = info?.state ?? "error";
  const tenant = value?.tenant ?? "public";
  const link = (name: string) => `<a href="http://${name}.localhost:${options.port}/">${name}</a>`;
  const config = {
    tenant,
    state,
    version: value?.version,
    ageMs: info?.ageMs ?? 0,
    pollMs: options.pollMs,
    keep: 12,
  };
  const inspector =
    options.inspectorUrl === undefined
      ? "The live inspector's address (with its token) is printed on the server's console."
      : `<a id="inspector" href="${escapeHtml(options.inspectorUrl)}">Open the live inspector</a> to see every entry age from fresh to stale, and revalidate or invalidate it.`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>isr-plug demo</title><link rel="icon" href="data:,">
<style>body{font:16px system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#222}
.state{display:inline-block;padding:.1rem .5rem;border-radius:.3rem;color:#fff;background:#666}
.fresh{background:#2e7d32}.stale{background:#ef6c00}.miss{background:#1565c0}.error{background:#b71c1c}
pre{background:#f4f4f4;padding:1rem;border-radius:.3rem;margin:0}
.top{display:grid;grid-template-columns:1fr 1fr;gap:1rem;align-items:start}
table{border-collapse:collapse;width:100%;margin-top:.5rem}th,td{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #eee;white-space:nowrap}
td.ms{font-variant-numeric:tabular-nums;text-align:right}th.ms{text-align:right}
tr.refreshed td{background:#fff8e1;font-weight:600}td.note{color:#555;font-size:.9em;white-space:normal}</style></head>
<body><h1>isr-plug demo</h1>
<div class="top"><div>
<p>Tenant <strong id="tenant">${escapeHtml(tenant)}</strong> —
state <span id="state" class="state ${state}">${state}</span>,
age <span id="age">${((info?.ageMs ?? 0) / 1000).toFixed(1)}</span> s.</p>
<p>The settings source is deliberately slow (~${options.latencyMs} ms). Values are fresh for ${seconds(options.ttlMs)},
then served stale for ${seconds(options.staleTtlMs)} while one background refresh runs.</p>
<p>${inspector}</p></div>
<pre id="value">${escapeHtml(JSON.stringify(value ?? null, null, 2))}</pre></div>
<h2>Requests</h2>
<p>This page asks for the settings every ${seconds(options.pollMs)}. A miss waits for the source; fresh and
stale answers come from the cache at once. When a background refresh lands, the version changes.</p>
<table><thead><tr><th>request</th><th>state</th><th class="ms">response time</th><th>version</th><th>age</th><th></th></tr></thead>
<tbody id="requests"></tbody></table>
<p>Other tenants: ${link("acme")} · ${link("globex")} · ${link("initech")} — or send an <code>x-tenant</code> header.
The server console shows hits, stale serves, misses and refreshes.</p>
<script type="application/json" id="demo-config">${scriptJson(config)}</script>
<script>${DEMO_SCRIPT}</script>
</body></html>`;
}

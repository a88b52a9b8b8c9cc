import type { IsrInfo } from "../src/index.js";
import type { TenantSettings } from "./settings-source.js";

export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The demo's page: tenant, value, state and age; reloads itself every second. */
export function renderPage(
  value: TenantSettings | undefined,
  info: IsrInfo | undefined,
  port: number,
): string {
  const state = info?.state ?? "?";
  const link = (tenant: string) => `<a href="http://${tenant}.localhost:${port}/">${tenant}</a>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="1">
<title>isr-plug demo</title>
<style>body{font:16px system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem}
.state{display:inline-block;padding:.1rem .5rem;border-radius:.3rem;color:#fff;background:#666}
.fresh{background:#2e7d32}.stale{background:#ef6c00}.miss{background:#1565c0}
pre{background:#f4f4f4;padding:1rem;border-radius:.3rem}</style></head>
<body><h1>isr-plug demo</h1>
<p>Tenant <strong id="tenant">${escapeHtml(value?.tenant ?? "?")}</strong> —
state <span id="state" class="state ${state}">${state}</span>,
age <span id="age">${((info?.ageMs ?? 0) / 1000).toFixed(1)}</span> s.
Values are fresh for 5 s, then served stale for 20 s while one background refresh runs.</p>
<pre id="value">${escapeHtml(JSON.stringify(value ?? null, null, 2))}</pre>
<p>Other tenants: ${link("acme")} · ${link("globex")} · ${link("initech")} — or send an <code>x-tenant</code> header.
The page reloads every second; the server console shows hits, stale serves, misses and refreshes.</p>
</body></html>`;
}

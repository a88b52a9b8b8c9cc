// Shared by every route handler that needs tenant settings: one engine per server runtime
// (Next.js bundles the Node.js and the Edge routes apart, so each runtime has its own cache).
import { isrPlug } from "isr-plug/web";

export type Settings = { tenant: string; theme: "dark" | "light"; version: number };

export const DEFAULT_SETTINGS: Settings = { tenant: "public", theme: "light", version: 0 };

const TENANT = /^[a-z0-9][a-z0-9-]{0,31}$/;

/**
 * The tenant is the first label of the Host header: acme.example.com → acme. Not
 * `new URL(request.url).hostname`: under `next start`, `request.url` carries the server's own
 * address (localhost), whatever host the client asked for, so every tenant would share one
 * entry. The header is client-controlled: anything but a short slug is "public", so made-up
 * hosts cannot mint cache keys.
 */
export function tenantOf(request: Request): string {
  const host = (request.headers.get("host") ?? "").replace(/:\d+$/, "").toLowerCase();
  const labels = host.split(".");
  const first = labels[0] ?? "";
  return labels.length > 1 && TENANT.test(first) && !/^\d+$/.test(first) ? first : "public";
}

/** Where settings come from: SETTINGS_ORIGIN's HTTP API if set, else a slow local stand-in. */
async function loadSettings(tenant: string, signal: AbortSignal): Promise<Settings> {
  const origin = process.env.SETTINGS_ORIGIN;
  if (origin === undefined) return simulatedDatabase(tenant);
  // no-store: isr-plug is the cache here, not Next.js's data cache.
  const response = await fetch(`${origin}/tenants/${tenant}`, { signal, cache: "no-store" });
  if (!response.ok) throw new Error(`settings origin answered ${response.status}`);
  return (await response.json()) as Settings;
}

const versions = new Map<string, number>();
async function simulatedDatabase(tenant: string): Promise<Settings> {
  await new Promise((resolve) => setTimeout(resolve, 200));
  const version = (versions.get(tenant) ?? 0) + 1;
  versions.set(tenant, version);
  return { tenant, theme: tenant.length % 2 === 0 ? "dark" : "light", version };
}

/** Wraps a route handler so it receives the tenant's settings. */
export const withSettings = isrPlug<Settings, { tenant: string }>({
  fetch: ({ tenant }, { signal }) => loadSettings(tenant, signal),
  extract: (request) => ({ tenant: tenantOf(request) }),
  cacheKey: (request) => ["settings", tenantOf(request)],
  ttlMs: Number(process.env.ISR_TTL_MS ?? 60_000),
  staleTtlMs: 60 * 60_000,
  maxKeys: 10_000,
});

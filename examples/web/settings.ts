// Shared by every route handler that needs tenant settings (in Next.js: e.g. lib/settings.ts).
import { isrPlug } from "../../src/adapters/web.js"; // in your app: from "isr-plug/web"

export type Settings = { featureXEnabled: boolean; theme: "dark" | "light" };

export const DEFAULT_SETTINGS: Settings = { featureXEnabled: false, theme: "light" };

/** The fetch: a slow "database" of per-tenant settings. Throw or reject on failure. */
async function loadSettings(tenantId: string): Promise<Settings> {
  await new Promise((resolve) => setTimeout(resolve, 100));
  return { featureXEnabled: true, theme: tenantId === "acme" ? "dark" : "light" };
}

/**
 * The tenant is the first label of the Host header: acme.example.com → acme. Not
 * `new URL(request.url).hostname`: Next.js builds request.url from the address it serves on
 * (localhost under `next start`), so every tenant would share one entry.
 */
const tenantOf = (request: Request) => (request.headers.get("host") ?? "").split(".")[0] || "public";

/** Wraps a route handler so it receives the tenant's settings. One engine for all of them. */
export const withSettings = isrPlug<Settings, { tenantId: string }>({
  fetch: ({ tenantId }) => loadSettings(tenantId),
  extract: (request) => ({ tenantId: tenantOf(request) }),
  cacheKey: (request) => ["settings", tenantOf(request)],
  ttlMs: 5 * 60_000,
  staleTtlMs: 60 * 60_000,
});

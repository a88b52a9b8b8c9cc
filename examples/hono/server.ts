// The seed's tenant-settings example on Hono (here on Node; the middleware also runs on Bun,
// Deno and workers). Run: npx tsx examples/hono/server.ts
// then: curl -i -H 'Host: acme.localhost' http://127.0.0.1:3000/
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { isrPlug } from "../../src/adapters/hono.js"; // in your app: from "isr-plug/hono"

type Settings = { featureXEnabled: boolean; theme: "dark" | "light" };
type AppEnv = { Variables: { settings: Settings } };

const DEFAULT_SETTINGS: Settings = { featureXEnabled: false, theme: "light" };

/** The fetch: a slow "database" of per-tenant settings. Throw or reject on failure. */
async function loadSettings(tenantId: string): Promise<Settings> {
  await new Promise((resolve) => setTimeout(resolve, 100));
  return { featureXEnabled: true, theme: tenantId === "acme" ? "dark" : "light" };
}

/** The tenant is the first label of the Host header: acme.example.com → acme. */
const tenantOf = (host: string | undefined) => (host ?? "").split(".")[0] || "public";

const app = new Hono<AppEnv>();
app.use(
  isrPlug<Settings, { tenantId: string }, AppEnv>({
    fetch: ({ tenantId }) => loadSettings(tenantId),
    extract: (c) => ({ tenantId: tenantOf(c.req.header("host")) }),
    cacheKey: (c) => ["settings", tenantOf(c.req.header("host"))],
    apply: (c, settings, info) => {
      c.set("settings", settings);
      c.header("x-isr-state", info.state);
    },
    onError: (c) => {
      c.set("settings", DEFAULT_SETTINGS);
    },
    ttlMs: 5 * 60_000,
    staleTtlMs: 60 * 60_000,
  }),
);

app.get("/", (c) => c.json(c.get("settings")));

serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 3000), hostname: "127.0.0.1" }, ({ port }) => {
  console.log(`hono example on http://127.0.0.1:${port}/`);
});

// The seed's tenant-settings example on Express. Run: npx tsx examples/express/server.ts
// then: curl -i -H 'Host: acme.localhost' http://127.0.0.1:3000/
import express from "express";
import { isrPlug } from "../../src/adapters/express.js"; // in your app: from "isr-plug/express"

type Settings = { featureXEnabled: boolean; theme: "dark" | "light" };

const DEFAULT_SETTINGS: Settings = { featureXEnabled: false, theme: "light" };

/** The fetch: a slow "database" of per-tenant settings. Throw or reject on failure. */
async function loadSettings(tenantId: string): Promise<Settings> {
  await new Promise((resolve) => setTimeout(resolve, 100));
  return { featureXEnabled: true, theme: tenantId === "acme" ? "dark" : "light" };
}

/** The tenant is the first label of the host: acme.example.com → acme. */
const tenantOf = (hostname: string) => hostname.split(".")[0] || "public";

const app = express();
app.use(
  isrPlug<Settings, { tenantId: string }>({
    fetch: ({ tenantId }) => loadSettings(tenantId),
    extract: (req) => ({ tenantId: tenantOf(req.hostname) }),
    cacheKey: (req) => ["settings", tenantOf(req.hostname)],
    apply: (_req, res, settings, info) => {
      res.locals.settings = settings;
      res.setHeader("x-isr-state", info.state);
    },
    onError: (_req, res) => {
      res.locals.settings = DEFAULT_SETTINGS;
    },
    ttlMs: 5 * 60_000,
    staleTtlMs: 60 * 60_000,
  }),
);

app.get("/", (_req, res) => {
  res.json(res.locals.settings);
});

const server = app.listen(Number(process.env.PORT ?? 3000), "127.0.0.1", () => {
  const { port } = server.address() as { port: number };
  console.log(`express example on http://127.0.0.1:${port}/`);
});

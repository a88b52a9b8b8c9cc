// The seed's tenant-settings example on Fastify. Run: npx tsx examples/fastify/server.ts
// then: curl -i -H 'Host: acme.localhost' http://127.0.0.1:3000/
import Fastify from "fastify";
import { isrPlug } from "../../src/adapters/fastify.js"; // in your app: from "isr-plug/fastify"

type Settings = { featureXEnabled: boolean; theme: "dark" | "light" };

const DEFAULT_SETTINGS: Settings = { featureXEnabled: false, theme: "light" };

// What `apply` puts on the request, declared the Fastify way.
declare module "fastify" {
  interface FastifyRequest {
    tenantSettings: Settings | null;
  }
}

/** The fetch: a slow "database" of per-tenant settings. Throw or reject on failure. */
async function loadSettings(tenantId: string): Promise<Settings> {
  await new Promise((resolve) => setTimeout(resolve, 100));
  return { featureXEnabled: true, theme: tenantId === "acme" ? "dark" : "light" };
}

/** The tenant is the first label of the host: acme.example.com → acme. */
const tenantOf = (hostname: string) => hostname.split(".")[0] || "public";

const app = Fastify({ logger: { level: "warn" } });
app.decorateRequest("tenantSettings", null);
await app.register(isrPlug<Settings, { tenantId: string }>, {
  fetch: ({ tenantId }) => loadSettings(tenantId),
  extract: (request) => ({ tenantId: tenantOf(request.hostname) }),
  cacheKey: (request) => ["settings", tenantOf(request.hostname)],
  apply: (request, reply, settings, info) => {
    request.tenantSettings = settings;
    reply.header("x-isr-state", info.state);
  },
  onError: (request) => {
    request.tenantSettings = DEFAULT_SETTINGS;
  },
  ttlMs: 5 * 60_000,
  staleTtlMs: 60 * 60_000,
});

app.get("/", async (request) => request.tenantSettings);

// The engine is `app.isr` (invalidate, revalidate); it closes with the app.
const address = await app.listen({ port: Number(process.env.PORT ?? 3000), host: "127.0.0.1" });
console.log(`fastify example on ${address}/`);

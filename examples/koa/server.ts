// The seed's tenant-settings example on Koa. Run: npx tsx examples/koa/server.ts
// then: curl -i -H 'Host: acme.localhost' http://127.0.0.1:3000/
import Koa from "koa";
import { isrPlug } from "../../src/adapters/koa.js"; // in your app: from "isr-plug/koa"

type Settings = { featureXEnabled: boolean; theme: "dark" | "light" };
type State = { settings?: Settings };

const DEFAULT_SETTINGS: Settings = { featureXEnabled: false, theme: "light" };

/** The fetch: a slow "database" of per-tenant settings. Throw or reject on failure. */
async function loadSettings(tenantId: string): Promise<Settings> {
  await new Promise((resolve) => setTimeout(resolve, 100));
  return { featureXEnabled: true, theme: tenantId === "acme" ? "dark" : "light" };
}

/** The tenant is the first label of the host: acme.example.com → acme. */
const tenantOf = (hostname: string) => hostname.split(".")[0] || "public";

const app = new Koa<State>();
app.use(
  isrPlug<Settings, { tenantId: string }, State>({
    fetch: ({ tenantId }) => loadSettings(tenantId),
    extract: (ctx) => ({ tenantId: tenantOf(ctx.hostname) }),
    cacheKey: (ctx) => ["settings", tenantOf(ctx.hostname)],
    apply: (ctx, settings, info) => {
      ctx.state.settings = settings;
      ctx.set("x-isr-state", info.state);
    },
    onError: (ctx) => {
      ctx.state.settings = DEFAULT_SETTINGS;
    },
    ttlMs: 5 * 60_000,
    staleTtlMs: 60 * 60_000,
  }),
);

app.use((ctx) => {
  ctx.body = ctx.state.settings;
});

const server = app.listen(Number(process.env.PORT ?? 3000), "127.0.0.1", () => {
  const { port } = server.address() as { port: number };
  console.log(`koa example on http://127.0.0.1:${port}/`);
});

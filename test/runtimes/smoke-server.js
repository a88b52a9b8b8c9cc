// The Hono and isr-plug/web adapters of the built package, served by the runtime running this
// file: Bun, Deno, or (bundled) workerd. Settings come from the test's origin (SETTINGS_ORIGIN);
// the tenant is the first label of the Host header. Plain JavaScript: each runtime runs it as is.
import { Hono } from "hono";
import { isrPlug as honoIsrPlug } from "../../dist/hono.js";
import { isrPlug as webIsrPlug } from "../../dist/web.js";

const runtime = globalThis.Bun ? "bun" : globalThis.Deno ? "deno" : "workerd";

const tenantOf = (request) => (request.headers.get("host") ?? "").split(".")[0] || "public";

/** Reads the origin's address per call: workerd has it as a binding, given with each request. */
function createFetch(originOf) {
  return async ({ tenant }, { signal }) => {
    const response = await fetch(`${originOf()}/tenants/${tenant}`, { signal });
    if (!response.ok) throw new Error(`origin answered ${response.status}`);
    return response.json();
  };
}

/** The fetch handler: /web/settings through isr-plug/web, /hono/settings through isr-plug/hono. */
export function createHandler(originOf) {
  const options = {
    fetch: createFetch(originOf),
    extract: (request) => ({ tenant: tenantOf(request) }),
    cacheKey: (request) => ["settings", tenantOf(request)],
    ttlMs: 60_000,
  };
  const web = webIsrPlug({ ...options, namespace: "web" })((_request, settings, info) =>
    Response.json({ runtime, settings }, { headers: { "x-isr-state": info?.state ?? "none" } }),
  );

  const app = new Hono();
  app.use(
    "/hono/*",
    honoIsrPlug({
      ...options,
      namespace: "hono",
      extract: (c) => options.extract(c.req.raw),
      cacheKey: (c) => options.cacheKey(c.req.raw),
      apply: (c, settings, info) => {
        c.set("settings", settings);
        c.header("x-isr-state", info.state);
      },
    }),
  );
  app.get("/hono/settings", (c) => c.json({ runtime, settings: c.get("settings") }));

  return (request) =>
    new URL(request.url).pathname.startsWith("/hono/") ? app.fetch(request) : web(request);
}

const ready = ({ port }) => console.log(`smoke server on http://127.0.0.1:${port}`);

if (runtime === "bun") {
  const handler = createHandler(() => process.env.SETTINGS_ORIGIN);
  const server = globalThis.Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: handler });
  ready(server);
} else if (runtime === "deno") {
  const handler = createHandler(() => globalThis.Deno.env.get("SETTINGS_ORIGIN"));
  globalThis.Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: ready }, handler);
}

import type { Server } from "node:http";
import { createAdaptorServer } from "@hono/node-server";
import { type Context, Hono } from "hono";
import { describe, expect, it } from "vitest";
import { isrPlug } from "../../src/adapters/hono.js";
import { createMemoryStore } from "../../src/index.js";
import { flush, listen } from "../helpers.js";
import {
  type AppSpec,
  actOn,
  conformanceSuite,
  type Harness,
  httpGet,
  replyOf,
  requestFor,
  routeBody,
  type Shown,
  settle,
} from "./conformance.js";

type AppEnv = { Variables: { shown: Shown } };

const tenantOf = (c: Context) => c.req.header("x-tenant");

function honoApp(spec: AppSpec) {
  const { extract, cacheKey, onError } = spec;
  const middleware = isrPlug<unknown, unknown, AppEnv>({
    ...spec.options,
    logger: spec.logger,
    extract: extract && ((c) => extract(tenantOf(c))),
    cacheKey: cacheKey && ((c) => cacheKey(tenantOf(c))),
    apply: (c, value, info) =>
      settle(spec.apply(value, info), (applied) => {
        c.set("shown", { value: applied, info });
        c.header("x-isr-state", info.state);
      }),
    onError:
      onError &&
      ((c, error) =>
        settle(onError(error), (action) =>
          actOn(
            action,
            (status, halted) => Response.json({ halted }, { status }),
            (value) => c.set("shown", { value, info: null }),
          ),
        )),
  });
  const app = new Hono<AppEnv>();
  app.onError((error, c) => c.json({ error: error.message }, 500));
  app.use(middleware);
  app.get("/", (c) => {
    spec.onRoute();
    return c.json(routeBody(c.get("shown")));
  });
  return { app, isr: middleware.isr };
}

const overNodeServer: Harness = {
  name: "hono on @hono/node-server",
  async start(spec) {
    const { app, isr } = honoApp(spec);
    const server = await listen(
      (port, host, ready) => createAdaptorServer({ fetch: app.fetch }).listen(port, host, ready) as Server,
    );
    return { get: (tenant) => httpGet(server.url, tenant), isr, close: server.close };
  },
};

const overAppRequest: Harness = {
  name: "hono via app.request()",
  async start(spec) {
    const { app, isr } = honoApp(spec);
    return {
      get: async (tenant) => replyOf(await app.request(requestFor(tenant))),
      isr,
      close: async () => {},
    };
  },
};

conformanceSuite(overNodeServer);
conformanceSuite(overAppRequest);

describe("hono middleware", () => {
  it("types c.get in routes from the Env it was given", async () => {
    const app = new Hono<{ Variables: { theme: string } }>();
    app.use(
      isrPlug<string, unknown, { Variables: { theme: string } }>({
        fetch: () => "dark",
        apply: (c, theme) => c.set("theme", theme),
        store: createMemoryStore(),
      }),
    );
    app.get("/", (c) => c.text(c.get("theme").toUpperCase()));
    expect(await (await app.request("/")).text()).toBe("DARK");
  });

  it("returns next()'s own promise on a hit from the memory store (no promise hop)", async () => {
    const middleware = isrPlug({ fetch: () => "v", apply: () => {}, store: createMemoryStore() });
    const c = {} as Context;
    await middleware(c, async () => {});
    await flush();
    const downstream = Promise.resolve();
    expect(middleware(c, () => downstream)).toBe(downstream);
  });
});

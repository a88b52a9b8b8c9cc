import type { Server } from "node:http";
import { createAdaptorServer } from "@hono/node-server";
import { describe, expect, it } from "vitest";
import { isrPlug } from "../../src/adapters/web.js";
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
  settle,
} from "./conformance.js";

const tenantOf = (request: Request) => request.headers.get("x-tenant") ?? undefined;

/** A wrapped handler, plus what a host (Next.js, Bun.serve) does with a thrown one: a 500. */
function webApp(spec: AppSpec) {
  const { extract, cacheKey, onError } = spec;
  const assigned = new WeakMap<Request, unknown>();
  const withIsr = isrPlug<unknown, unknown, unknown>({
    ...spec.options,
    logger: spec.logger,
    extract: extract && ((request) => extract(tenantOf(request))),
    cacheKey: cacheKey && ((request) => cacheKey(tenantOf(request))),
    apply: (_request, value, info) => spec.apply(value, info),
    onError:
      onError &&
      ((request, error) =>
        settle(onError(error), (action) =>
          actOn(
            action,
            (status, halted) => Response.json({ halted }, { status }),
            (value) => assigned.set(request, value),
          ),
        )),
  });
  const route = withIsr((request, value, info) => {
    spec.onRoute();
    const shown = info === undefined ? { value: assigned.get(request), info: null } : { value, info };
    return Response.json(routeBody(shown), { headers: info ? { "x-isr-state": info.state } : {} });
  });
  const host = async (request: Request) => {
    try {
      return await route(request);
    } catch (error) {
      return Response.json({ error: (error as Error).message }, { status: 500 });
    }
  };
  return { host, isr: withIsr.isr };
}

const overNodeServer: Harness = {
  name: "web handler on @hono/node-server",
  async start(spec) {
    const { host, isr } = webApp(spec);
    const server = await listen(
      (port, hostname, ready) => createAdaptorServer({ fetch: host }).listen(port, hostname, ready) as Server,
    );
    return { get: (tenant) => httpGet(server.url, tenant), isr, close: server.close };
  },
};

const calledDirectly: Harness = {
  name: "web handler called directly",
  async start(spec) {
    const { host, isr } = webApp(spec);
    return { get: async (tenant) => replyOf(await host(requestFor(tenant))), isr, close: async () => {} };
  },
};

conformanceSuite(overNodeServer);
conformanceSuite(calledDirectly);

describe("web wrapper", () => {
  it("hands the handler the value and info, then what the host passes after the request (Next.js context)", async () => {
    const withSettings = isrPlug<{ theme: string }>({
      fetch: () => ({ theme: "dark" }),
      store: createMemoryStore(),
    });
    const GET = withSettings(
      async (request, settings, info, context: { params: Promise<{ slug: string }> }) =>
        Response.json({
          url: request.url,
          theme: settings?.theme,
          state: info?.state,
          slug: (await context.params).slug,
        }),
    );
    const response = await GET(new Request("http://localhost/docs/a"), {
      params: Promise.resolve({ slug: "a" }),
    });
    expect(await response.json()).toEqual({
      url: "http://localhost/docs/a",
      theme: "dark",
      state: "miss",
      slug: "a",
    });
  });

  it("apply maps the value to what the handler receives", async () => {
    const withTheme = isrPlug({
      fetch: () => ({ theme: "dark", flags: ["x"] }),
      apply: (request: Request, settings) => `${settings.theme} for ${new URL(request.url).pathname}`,
      store: createMemoryStore(),
    });
    const handler = withTheme((_request, theme) => new Response(theme));
    expect(await (await handler(new Request("http://localhost/page"))).text()).toBe("dark for /page");
  });

  it("returns the handler's own Response, synchronously, on a hit from the memory store", async () => {
    const handler = isrPlug({ fetch: () => "v", store: createMemoryStore() })(
      (_request, value) => new Response(value),
    );
    await handler(new Request("http://localhost/"));
    await flush();
    const response = handler(new Request("http://localhost/"));
    expect(response).toBeInstanceOf(Response);
    expect(await (response as Response).text()).toBe("v");
  });

  it("one wrapper serves many handlers from one engine (one fetch)", async () => {
    let fetches = 0;
    const withValue = isrPlug({
      fetch: () => {
        fetches += 1;
        return "shared";
      },
      store: createMemoryStore(),
    });
    const GET = withValue((_request, value) => new Response(`GET ${value}`));
    const POST = withValue((_request, value) => new Response(`POST ${value}`));
    const request = () => new Request("http://localhost/", { method: "POST" });
    expect(await (await GET(request())).text()).toBe("GET shared");
    expect(await (await POST(request())).text()).toBe("POST shared");
    expect(fetches).toBe(1);
  });

  it("rejects bad options and a handler that is not a function", () => {
    expect(() => isrPlug({ fetch: () => 1, apply: 1 } as never)).toThrow('"apply" must be a function, got 1');
    expect(() => isrPlug(null as never)).toThrow("options must be an object, got null");
    expect(() => isrPlug({ fetch: () => 1 })("nope" as never)).toThrow(
      'isr-plug: the handler must be a function, got "nope"',
    );
  });
});

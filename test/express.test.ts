import express, { type NextFunction, type Request, type Response } from "express";
import { afterEach, describe, expect, it } from "vitest";
import { isrPlug } from "../src/adapters/express.js";
import { createMemoryStore } from "../src/index.js";
import { countingFetch, deferred, fakeClock, listen, recordingLogger } from "./helpers.js";

type Settings = { tenant: string; n: number };

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function serve(app: express.Express) {
  // Errors reach this handler; it answers 500 with the message so tests can see them.
  app.use((error: Error, _req: Request, res: Response, _next: NextFunction) => {
    res.status(500).json({ error: error.message });
  });
  const server = await listen((port, host, ready) => app.listen(port, host, ready));
  closers.push(server.close);
  return server.url;
}

const tenantOf = (req: Request) => String(req.headers["x-tenant"] ?? "none");

function tenantApp(options: Partial<Parameters<typeof isrPlug<Settings, { tenant: string }>>[0]> = {}) {
  const clock = fakeClock();
  const store = createMemoryStore({ now: clock.now });
  const source = countingFetch((n) => n);
  const logger = recordingLogger();
  const infos: unknown[] = [];
  const app = express();
  const plug = isrPlug<Settings, { tenant: string }>({
    fetch: ({ tenant }) => ({ tenant, n: source.fetch() as number }),
    extract: (req) => ({ tenant: tenantOf(req) }),
    cacheKey: (req) => ["settings", tenantOf(req)],
    apply: (_req, res, value, info) => {
      infos.push(info);
      res.locals.settings = value;
      res.setHeader("x-isr-state", info.state);
      res.setHeader("x-isr-age", String(info.ageMs));
    },
    ttlMs: 1_000,
    staleTtlMs: 10_000,
    store,
    logger,
    now: clock.now,
    ...options,
  });
  app.use(plug);
  app.get("/", (_req, res) => {
    res.json({ settings: res.locals.settings ?? null });
  });
  return { app, clock, source, logger, plug, store, infos };
}

async function get(url: string, tenant?: string) {
  const response = await fetch(url, { headers: tenant === undefined ? {} : { "x-tenant": tenant } });
  const body = (await response.json()) as { settings: Settings | null; error?: string };
  return { status: response.status, state: response.headers.get("x-isr-state"), body };
}

describe("express adapter", () => {
  it("passes apply exactly { state, ageMs, key }", async () => {
    const { app, clock, infos } = tenantApp();
    const url = await serve(app);
    await get(url, "acme");
    clock.advance(250);
    await get(url, "acme");
    expect(infos).toEqual([
      { state: "miss", ageMs: 0, key: ["settings", "acme"] },
      { state: "fresh", ageMs: 250, key: ["settings", "acme"] },
    ]);
  });

  it("applies per-tenant values and keeps tenants apart", async () => {
    const { app } = tenantApp();
    const url = await serve(app);
    expect(await get(url, "acme")).toEqual({
      status: 200,
      state: "miss",
      body: { settings: { tenant: "acme", n: 1 } },
    });
    expect(await get(url, "globex")).toEqual({
      status: 200,
      state: "miss",
      body: { settings: { tenant: "globex", n: 2 } },
    });
    expect(await get(url, "acme")).toEqual({
      status: 200,
      state: "fresh",
      body: { settings: { tenant: "acme", n: 1 } },
    });
  });

  it("walks fresh → stale (background refresh) → fresh → too stale over HTTP", async () => {
    const { app, clock, source } = tenantApp();
    const url = await serve(app);
    await get(url, "a");
    clock.advance(1_000);
    const stale = await get(url, "a");
    expect(stale.state).toBe("stale");
    expect(stale.body.settings?.n).toBe(1);
    await new Promise((r) => setTimeout(r, 20));
    expect(source.calls).toBe(2);
    expect((await get(url, "a")).body.settings?.n).toBe(2);
    clock.advance(11_000);
    const miss = await get(url, "a");
    expect(miss.state).toBe("miss");
    expect(miss.body.settings?.n).toBe(3);
  });

  it("shares one entry between all requests with the default key and extract", async () => {
    const app = express();
    const source = countingFetch((n) => `shared ${n}`);
    const seen: unknown[] = [];
    app.use(
      isrPlug<string, unknown>({
        fetch: (extracted, ctx) => {
          seen.push(extracted, ctx.key);
          return source.fetch();
        },
        apply: (req, _res, value) => {
          (req as Request & { shared?: string }).shared = value;
        },
        store: createMemoryStore(),
      }),
    );
    app.get("/", (req, res) => {
      res.send((req as Request & { shared?: string }).shared);
    });
    const url = await serve(app);
    const bodies = await Promise.all([1, 2, 3].map(() => fetch(url).then((r) => r.text())));
    expect(bodies).toEqual(["shared 1", "shared 1", "shared 1"]);
    expect(await fetch(url, { headers: { "x-tenant": "other" } }).then((r) => r.text())).toBe("shared 1");
    expect(seen).toEqual([{}, "isr_plug_default_key"]);
  });

  it("200 concurrent cold requests make exactly one fetch", async () => {
    const store = createMemoryStore();
    const gate = deferred<string>();
    const source = countingFetch(() => gate.promise);
    const app = express();
    app.use(
      isrPlug<string>({
        fetch: source.fetch,
        apply: (_req, res, value) => {
          res.locals.v = value;
        },
        store,
      }),
    );
    app.get("/", (_req, res) => {
      res.send(res.locals.v);
    });
    const url = await serve(app);
    const all = Array.from({ length: 200 }, () => fetch(url).then((r) => r.text()));
    setTimeout(() => gate.resolve("one"), 50);
    const bodies = await Promise.all(all);
    expect(source.calls).toBe(1);
    expect(new Set(bodies)).toEqual(new Set(["one"]));
  });

  it("by default logs a warning and passes through without apply when the fetch fails", async () => {
    const boom = new Error("database timeout");
    let applied = 0;
    const { app, logger } = tenantApp({
      fetch: () => Promise.reject(boom),
      apply: () => {
        applied += 1;
      },
    });
    const url = await serve(app);
    expect(await get(url, "a")).toEqual({ status: 200, state: null, body: { settings: null } });
    expect(applied).toBe(0);
    const warns = logger.at("warn");
    expect(warns).toHaveLength(1);
    expect(warns[0]?.message).toBe("[isr-plug] fetch failed; passing the request through without apply");
    expect(warns[0]?.fields.err).toBe(boom);
  });

  it("a custom onError that sends a response stops the route", async () => {
    let routeRan = false;
    const app = express();
    app.use(
      isrPlug({
        fetch: () => Promise.reject(new Error("down")),
        apply: () => {},
        onError: (_req, res, error) => {
          res.status(503).send(`config error: ${(error as Error).message}`);
        },
        store: createMemoryStore(),
      }),
    );
    app.get("/", (_req, res) => {
      routeRan = true;
      res.send("route");
    });
    const url = await serve(app);
    const response = await fetch(url);
    expect(response.status).toBe(503);
    expect(await response.text()).toBe("config error: down");
    expect(routeRan).toBe(false);
  });

  it("a custom onError that assigns defaults lets the route run (async too)", async () => {
    const { app } = tenantApp({
      fetch: () => Promise.reject(new Error("down")),
      onError: async (_req, res) => {
        await new Promise((r) => setTimeout(r, 5));
        res.locals.settings = { tenant: "default", n: 0 };
      },
    });
    const url = await serve(app);
    expect(await get(url, "a")).toMatchObject({
      status: 200,
      body: { settings: { tenant: "default", n: 0 } },
    });
  });

  it("awaits an async apply before the route runs", async () => {
    const { app } = tenantApp({
      apply: async (_req, res, value) => {
        await new Promise((r) => setTimeout(r, 5));
        res.locals.settings = { ...value, n: value.n + 100 };
      },
    });
    const url = await serve(app);
    expect((await get(url, "a")).body.settings?.n).toBe(101);
  });

  describe("exceptions reach Express error handling (no hang, no unhandled rejection)", () => {
    const cases: [string, Partial<Parameters<typeof isrPlug<Settings, { tenant: string }>>[0]>, string][] = [
      [
        "extract throws",
        {
          extract: () => {
            throw new Error("extract broke");
          },
        },
        "extract broke",
      ],
      [
        "cacheKey throws",
        {
          cacheKey: () => {
            throw new Error("cacheKey broke");
          },
        },
        "cacheKey broke",
      ],
      [
        "cacheKey returns a bad key",
        { cacheKey: () => ({ nope: 1 }) as never },
        "isr-plug: a cache key must be",
      ],
      [
        "apply throws",
        {
          apply: () => {
            throw new Error("apply broke");
          },
        },
        "apply broke",
      ],
      ["apply rejects", { apply: () => Promise.reject(new Error("apply rejected")) }, "apply rejected"],
      [
        "onError throws",
        {
          fetch: () => Promise.reject(new Error("down")),
          onError: () => {
            throw new Error("onError broke");
          },
        },
        "onError broke",
      ],
      [
        "onError rejects",
        {
          fetch: () => Promise.reject(new Error("down")),
          onError: () => Promise.reject(new Error("onError rejected")),
        },
        "onError rejected",
      ],
    ];
    it.each(cases)("%s", async (_name, options, message) => {
      const { app } = tenantApp(options);
      const url = await serve(app);
      const response = await get(url, "a");
      expect(response.status).toBe(500);
      expect(response.body.error).toContain(message);
    });

    it("apply throwing on a cached (synchronous) hit", async () => {
      let calls = 0;
      const { app } = tenantApp({
        apply: () => {
          calls += 1;
          if (calls === 2) throw new Error("second apply broke");
        },
      });
      const url = await serve(app);
      expect((await get(url, "a")).status).toBe(200);
      const second = await get(url, "a");
      expect(second.status).toBe(500);
      expect(second.body.error).toBe("second apply broke");
    });
  });

  it("exposes its engine for invalidate and revalidate", async () => {
    const { app, plug } = tenantApp();
    const url = await serve(app);
    await get(url, "a");
    await plug.isr.invalidate(["settings", "a"]);
    expect((await get(url, "a")).state).toBe("miss");
    expect(await plug.isr.revalidate(["settings", "a"], { tenant: "a" })).toEqual({ tenant: "a", n: 3 });
    expect((await get(url, "a")).body.settings?.n).toBe(3);
  });

  it("works as plain Connect-style middleware on node:http", async () => {
    const { createServer } = await import("node:http");
    const plug = isrPlug<string>({
      fetch: () => "plain",
      apply: (_req, res, value) => {
        res.setHeader("x-value", value);
      },
      store: createMemoryStore(),
    });
    const server = await listen((port, host, ready) =>
      createServer((req, res) => {
        plug(req as Request, res as Response, (error?: unknown) => {
          res.end(error ? "error" : "next");
        });
      }).listen(port, host, ready),
    );
    closers.push(server.close);
    const response = await fetch(server.url);
    expect(response.headers.get("x-value")).toBe("plain");
    expect(await response.text()).toBe("next");
  });

  it("rejects bad adapter options with a TypeError naming them", () => {
    expect(() => isrPlug({ fetch: () => 1 } as never)).toThrow(
      'isr-plug: "apply" must be a function, got undefined',
    );
    expect(() => isrPlug({ fetch: () => 1, apply: () => {}, extract: 1 } as never)).toThrow(
      'isr-plug: "extract" must be a function, got 1',
    );
    expect(() => isrPlug({ fetch: () => 1, apply: () => {}, onError: "x" } as never)).toThrow(
      '"onError" must be a function',
    );
    expect(() => isrPlug({ fetch: () => 1, apply: () => {}, cache_key_fun: () => "k" } as never)).toThrow(
      'unknown option "cache_key_fun" (did you mean "cacheKey"?)',
    );
  });
});

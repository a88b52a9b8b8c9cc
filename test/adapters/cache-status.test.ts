import { createServer, type Server } from "node:http";
import { createAdaptorServer } from "@hono/node-server";
import express from "express";
import Fastify from "fastify";
import { Hono } from "hono";
import Koa from "koa";
import { afterEach, describe, expect, it, vi } from "vitest";
import { cacheStatusName, cacheStatusOf, cacheStatusOfFailure } from "../../src/adapters/cache-status.js";
import { isrPlug as expressIsr } from "../../src/adapters/express.js";
import fastifyIsr from "../../src/adapters/fastify.js";
import { isrPlug as honoIsr } from "../../src/adapters/hono.js";
import { isrPlug as koaIsr } from "../../src/adapters/koa.js";
import { isrPlug as webIsr } from "../../src/adapters/web.js";
import type { Served } from "../../src/engine.js";
import {
  createMemoryStore,
  IsrKeyRejectedError,
  IsrOverloadedError,
  IsrTimeoutError,
} from "../../src/index.js";
import { type Deferred, deferred, fakeClock, listen } from "../helpers.js";
import { onlyMember, parseCacheStatus } from "./cache-status-parse.js";

const served = (overrides: Partial<Served<unknown>>): Served<unknown> => ({
  value: 1,
  state: "fresh",
  ageMs: 0,
  key: "k",
  ttlMs: 60_000,
  stored: true,
  ...overrides,
});

const member = (header: string) => onlyMember(header);

describe("Cache-Status members (RFC 9211 §2), read back with a strict Structured Fields parser", () => {
  it("a fresh hit is a hit with its freshness left, in whole seconds rounded up (ttl > 0 while fresh)", () => {
    expect(member(cacheStatusOf("isr-plug", served({ ageMs: 17_500 }), true))).toEqual({
      cache: "isr-plug",
      params: { hit: true, ttl: 43 },
    });
    // 1 ms of freshness left is still fresh: ttl=1, never 0.
    expect(member(cacheStatusOf("isr-plug", served({ ageMs: 59_999 }), true)).params).toEqual({
      hit: true,
      ttl: 1,
    });
  });

  it("a value that never goes stale is a hit without ttl", () => {
    const forever = served({ ttlMs: Number.POSITIVE_INFINITY });
    expect(member(cacheStatusOf("c", forever, true))).toEqual({ cache: "c", params: { hit: true } });
  });

  it("a stale value served while it refreshes is a hit with negative freshness (RFC 9211 §3: hit; ttl=-412)", () => {
    const stale = served({ state: "stale", ageMs: 60_000 + 412_000 });
    expect(member(cacheStatusOf("c", stale, true)).params).toEqual({ hit: true, ttl: -412 });
    // Just past its TTL: ttl=0, which is stale (a fresh hit never shows 0).
    expect(member(cacheStatusOf("c", served({ state: "stale", ageMs: 60_400 }), true)).params).toEqual({
      hit: true,
      ttl: 0,
    });
  });

  it("a stale value whose TTL had not run out (soft tag invalidation) is a hit without a made-up ttl", () => {
    expect(member(cacheStatusOf("c", served({ state: "stale", ageMs: 1_000 }), true)).params).toEqual({
      hit: true,
      detail: "invalidated",
    });
  });

  it("a miss went forward, and says whether the value was stored", () => {
    expect(member(cacheStatusOf("c", served({ state: "miss" }), true)).params).toEqual({
      fwd: "miss",
      stored: true,
    });
    expect(member(cacheStatusOf("c", served({ state: "miss" }), false)).params).toEqual({
      fwd: "miss",
      stored: false,
    });
  });

  it("stale-if-error and soft timeout: forwarded because too stale, the old value served, and why", () => {
    const tooStale = { state: "stale" as const, ageMs: 130_000 };
    expect(
      member(cacheStatusOf("c", served({ ...tooStale, error: new Error("down") }), true)).params,
    ).toEqual({
      fwd: "stale",
      ttl: -70,
      detail: "stale-if-error",
    });
    const slow = served({ ...tooStale, error: new IsrTimeoutError(5, "k", true) });
    expect(member(cacheStatusOf("c", slow, true)).params).toEqual({
      fwd: "stale",
      ttl: -70,
      detail: "soft-timeout",
    });
    // A hard timeout is a fetch error like any other.
    const timedOut = served({ ...tooStale, error: new IsrTimeoutError(5, "k") });
    expect(member(cacheStatusOf("c", timedOut, true)).params.detail).toBe("stale-if-error");
  });

  it("nothing served: a failed fetch went forward; a refused key or a full queue never did (bypass)", () => {
    expect(member(cacheStatusOfFailure("c", new Error("down"))).params).toEqual({
      fwd: "miss",
      detail: "fetch-error",
    });
    expect(member(cacheStatusOfFailure("c", new IsrKeyRejectedError("too many"))).params).toEqual({
      fwd: "bypass",
      detail: "key-rejected",
    });
    expect(member(cacheStatusOfFailure("c", new IsrOverloadedError(1, 1))).params).toEqual({
      fwd: "bypass",
      detail: "overloaded",
    });
  });

  it("the cache name must be an RFC 8941 token", () => {
    expect(cacheStatusName(true)).toBe("isr-plug");
    expect(cacheStatusName(false)).toBeUndefined();
    expect(cacheStatusName("edge-1")).toBe("edge-1");
    expect(() => cacheStatusName("two words")).toThrow('"cacheStatus" must be a boolean or a token');
    expect(() => expressIsr({ fetch: () => 1, apply: () => {}, cacheStatus: "a;b" })).toThrow(TypeError);
  });

  it("the strict parser used here refuses what RFC 9211 forbids", () => {
    expect(() => parseCacheStatus("c; hit; fwd=miss")).toThrow("exclusive");
    expect(() => parseCacheStatus("c; fwd=nope")).toThrow("fwd must be");
    expect(() => parseCacheStatus("c; hit; stored")).toThrow("only meaningful with fwd");
    expect(() => parseCacheStatus("c; ttl=1.5")).toThrow("Integer");
    expect(() => parseCacheStatus("c; hit, ")).toThrow();
  });
});

// Two isr-plug caches in one app, and a route that passes on an upstream cache's header.
const UPSTREAM = "upstream-cdn; hit; ttl=30";
const layers = (cache: string) => ({
  namespace: cache,
  store: createMemoryStore(),
  cacheStatus: cache,
  fetch: () => ({ cache }),
});

interface App {
  url: string;
  close(): Promise<void>;
}

const apps: Record<string, () => Promise<App>> = {
  async Express() {
    const app = express();
    app.use(expressIsr({ ...layers("settings"), apply: () => {} }));
    app.use(expressIsr({ ...layers("flags"), apply: () => {} }));
    app.get("/proxied", (_req, res) => {
      res.setHeader("Cache-Status", UPSTREAM);
      res.json({});
    });
    app.get("/", (_req, res) => {
      res.json({});
    });
    return listen((port, host, ready) => app.listen(port, host, ready));
  },
  async Fastify() {
    const app = Fastify();
    await app.register(fastifyIsr, { ...layers("settings"), apply: () => {} });
    await app.register(fastifyIsr, { ...layers("flags"), apply: () => {}, decorator: "flags" });
    app.get("/proxied", async (_request, reply) => reply.header("Cache-Status", UPSTREAM).send({}));
    app.get("/", async () => ({}));
    await app.listen({ port: 0, host: "127.0.0.1" });
    const { port } = app.server.address() as { port: number };
    return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
  },
  async Koa() {
    const app = new Koa();
    app.use(koaIsr({ ...layers("settings"), apply: () => {} }));
    app.use(koaIsr({ ...layers("flags"), apply: () => {} }));
    app.use((ctx) => {
      if (ctx.path === "/proxied") ctx.set("Cache-Status", UPSTREAM);
      ctx.body = {};
    });
    return listen((port, host, ready) => createServer(app.callback()).listen(port, host, ready));
  },
  async Hono() {
    const app = new Hono();
    app.use(honoIsr({ ...layers("settings"), apply: () => {} }));
    app.use(honoIsr({ ...layers("flags"), apply: () => {} }));
    app.get("/proxied", (c) => c.json({}, 200, { "Cache-Status": UPSTREAM }));
    app.get("/", (c) => c.json({}));
    return listen(
      (port, host, ready) => createAdaptorServer({ fetch: app.fetch }).listen(port, host, ready) as Server,
    );
  },
  async Web() {
    const withSettings = webIsr(layers("settings"));
    const withFlags = webIsr(layers("flags"));
    const handler = withSettings(
      withFlags((request: Request) =>
        // What a route handler returns when it passes an upstream response on: immutable headers.
        new URL(request.url).pathname === "/proxied"
          ? new Response("{}", { headers: { "Cache-Status": UPSTREAM } })
          : Response.json({}),
      ),
    );
    return listen(
      (port, host, ready) =>
        createAdaptorServer({ fetch: (request: Request) => handler(request) }).listen(
          port,
          host,
          ready,
        ) as Server,
    );
  },
};

describe("two caches in one app: each adds its member to the list, closest to the origin first", () => {
  const running: App[] = [];
  afterEach(async () => {
    for (const app of running.splice(0)) await app.close();
  });

  it.each(Object.keys(apps))("%s", async (framework) => {
    const app = await (apps[framework] as () => Promise<App>)();
    running.push(app);
    const header = async (path: string) => (await fetch(`${app.url}${path}`)).headers.get("cache-status");

    // The middleware registered last is nearest the route (the origin): its member comes first.
    expect(parseCacheStatus(await header("/"))).toEqual([
      { cache: "flags", params: { fwd: "miss", stored: true } },
      { cache: "settings", params: { fwd: "miss", stored: true } },
    ]);
    const proxied = parseCacheStatus(await header("/proxied"));
    expect(proxied.map((m) => m.cache)).toEqual(["upstream-cdn", "flags", "settings"]);
    expect(proxied[0]).toEqual({ cache: "upstream-cdn", params: { hit: true, ttl: 30 } });
    expect(proxied[1]?.params).toMatchObject({ hit: true });
    expect(proxied[2]?.params).toMatchObject({ hit: true });
  });
});

describe("Cache-Status from what the engine saw, over HTTP (Express)", () => {
  let app: App | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it("fwd=miss with no entry, fwd=stale with one too stale or hard-invalidated, collapsed when a fetch was shared", async () => {
    const clock = fakeClock(1_000_000);
    let gate: Deferred<string> | undefined;
    let version = 0;
    const plug = expressIsr<string, Record<string, never>>({
      namespace: "fwd",
      store: createMemoryStore(),
      cacheStatus: true,
      now: clock.now,
      ttlMs: 1_000,
      staleTtlMs: 1_000,
      tags: () => ["t"],
      fetch: async () => {
        version++;
        if (gate !== undefined) await gate.promise;
        return `v${version}`;
      },
      apply: () => {},
    });
    let arrived = 0;
    const server = express();
    // The plug looks the key up in the same tick as this runs: once both arrived, both asked.
    server.use((_req, _res, next) => {
      arrived++;
      next();
    });
    server.use(plug);
    server.get("/", (_req, res) => {
      res.json({});
    });
    app = await listen((port, host, ready) => server.listen(port, host, ready));
    const status = async () => member((await fetch(app?.url ?? "")).headers.get("cache-status") ?? "").params;

    expect(await status()).toEqual({ fwd: "miss", stored: true });
    expect(await status()).toMatchObject({ hit: true });
    // Past ttlMs + staleTtlMs (on the engine's clock; the store still holds the entry).
    clock.advance(2_500);
    expect(await status()).toEqual({ fwd: "stale", stored: true });
    await plug.isr.invalidateTag("t");
    expect(await status()).toEqual({ fwd: "stale", stored: true });
    await plug.isr.invalidate("isr_plug_default_key");
    // Two cold requests, one fetch: the second shared the first's.
    gate = deferred<string>();
    arrived = 0;
    const first = fetch(app.url);
    await vi.waitFor(() => expect(version).toBe(4));
    const second = fetch(app.url);
    await vi.waitFor(() => expect(arrived).toBe(2));
    gate.resolve("go");
    const members = await Promise.all(
      [first, second].map(
        async (response) => member((await response).headers.get("cache-status") ?? "").params,
      ),
    );
    expect(version).toBe(4);
    expect(members).toContainEqual({ fwd: "miss", stored: true });
    expect(members).toContainEqual({ fwd: "miss", collapsed: true, stored: true });
  });
});

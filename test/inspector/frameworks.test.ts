import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";
import express from "express";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { Hono } from "hono";
import Koa from "koa";
import { afterEach, describe, expect, it } from "vitest";
import { isrPlug as expressIsr } from "../../src/adapters/express.js";
import fastifyIsr from "../../src/adapters/fastify.js";
import { isrPlug as honoIsr } from "../../src/adapters/hono.js";
import { isrPlug as koaIsr } from "../../src/adapters/koa.js";
import { createIsr, createMemoryStore, type Isr } from "../../src/index.js";
import type { InspectorSnapshot } from "../../src/inspector/snapshot.js";
import { createInspector, type Inspector } from "../../src/inspector.js";
import { listen } from "../helpers.js";
import { snapshotOf, TOKEN } from "./fixtures.js";

type Settings = { secret: string };

/** One origin per app: `<tenant> #<call>`, so a revalidation shows as a new number. */
function settingsOptions(namespace: string) {
  let calls = 0;
  return {
    namespace,
    store: createMemoryStore(),
    fetch: (tenant: string): Settings => ({ secret: `${tenant} #${++calls}` }),
  };
}

const tenantHeader = (headers: Record<string, string | string[] | undefined>) => String(headers["x-tenant"]);

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** The same visit in every framework: the app works, the inspector is locked, lists, and acts. */
async function exercise(url: string, namespace: string) {
  const settings = async () => {
    const response = await fetch(`${url}/settings`, { headers: { "x-tenant": "acme" } });
    expect(response.status).toBe(200);
    return response.json();
  };
  expect(await settings()).toEqual({ secret: "acme #1" });

  const locked = await fetch(`${url}/isr-inspector/api`);
  expect(locked.status).toBe(401);
  // A token in the URL opens nothing; posted once in a header, it buys a session cookie.
  expect((await fetch(`${url}/isr-inspector?token=${TOKEN}`)).status).toBe(401);
  const session = await fetch(`${url}/isr-inspector/session`, {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}`, "x-isr-inspector": "1" },
  });
  expect(session.status).toBe(204);
  const [setCookie = ""] = session.headers.getSetCookie();
  expect(setCookie).toMatch(/; HttpOnly; SameSite=Strict$/);
  const cookie = setCookie.split(";")[0] ?? "";
  const page = await fetch(`${url}/isr-inspector`, { headers: { cookie } });
  expect(page.status).toBe(200);
  expect(page.headers.get("content-security-policy")).toContain("script-src 'nonce-");
  expect(await page.text()).toContain("<title>isr-plug inspector</title>");
  expect((await fetch(`${url}/isr-inspector/api`, { headers: { cookie } })).status).toBe(200);

  const auth = { authorization: `Bearer ${TOKEN}` };
  const listed = (await (
    await fetch(`${url}/isr-inspector/api`, { headers: auth })
  ).json()) as InspectorSnapshot;
  const [ns] = listed.namespaces;
  expect(ns?.name).toBe(namespace);
  expect(ns?.entries.map((e) => [e.key, e.state])).toEqual([[["tenant", "acme"], "fresh"]]);
  expect(JSON.stringify(listed)).not.toContain("acme #1");

  const query = new URLSearchParams({ engine: namespace, id: ns?.entries[0]?.id ?? "" });
  const revalidated = await fetch(`${url}/isr-inspector/api/revalidate?${query}`, {
    method: "POST",
    headers: { ...auth, "x-isr-inspector": "1" },
  });
  expect([revalidated.status, await revalidated.json()]).toEqual([200, { ok: true }]);
  expect(await settings()).toEqual({ secret: "acme #2" });

  // Routes of the app outside the inspector are untouched.
  expect((await fetch(`${url}/isr-inspectorx`)).status).toBe(404);
}

describe("the inspector mounts over real HTTP", () => {
  it("in Express, with app.use(basePath, inspector.node)", async () => {
    const app = express();
    const settings = expressIsr<Settings, string>({
      ...settingsOptions("express"),
      extract: (req) => tenantHeader(req.headers),
      cacheKey: (req) => ["tenant", tenantHeader(req.headers)],
      apply: (_req, res, value) => {
        res.locals.settings = value;
      },
    });
    const inspector = createInspector({ engines: [settings.isr], token: TOKEN });
    app.use(inspector.basePath, inspector.node);
    app.get("/settings", settings, (_req, res) => {
      res.json(res.locals.settings);
    });
    const server = await listen((port, host, ready) => app.listen(port, host, ready));
    closers.push(server.close);
    await exercise(server.url, "express");
  });

  it("in Fastify, with reply.hijack() and the raw req/res (the body parser has run: bodies are not read)", async () => {
    const app = Fastify();
    let inspector: Inspector | undefined;
    await app.register(async (scope: FastifyInstance) => {
      // Registered in its own scope, so the isr-plug hook only runs for this scope's routes.
      await scope.register(fastifyIsr<Settings, string>, {
        ...settingsOptions("fastify"),
        extract: (request) => tenantHeader(request.headers),
        cacheKey: (request) => ["tenant", tenantHeader(request.headers)],
        apply: (request, _reply, value) => {
          (request as FastifyRequest & { settings?: Settings }).settings = value;
        },
      });
      const isr = (scope as unknown as { isr: Isr<Settings, string> }).isr;
      inspector = createInspector({ engines: [isr], token: TOKEN });
      scope.get(
        "/settings",
        async (request) => (request as FastifyRequest & { settings?: Settings }).settings,
      );
    });
    const serve = (request: FastifyRequest, reply: FastifyReply) => {
      reply.hijack();
      return (inspector as Inspector).node(request.raw, reply.raw);
    };
    app.all("/isr-inspector", serve);
    app.all("/isr-inspector/*", serve);
    await app.listen({ port: 0, host: "127.0.0.1" });
    closers.push(() => app.close());
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    await exercise(url, "fastify");
    // A client sending a JSON body: Fastify parses it before the route, the inspector needs none.
    const [entry] = (await snapshotOf((inspector as Inspector).fetch)).namespaces[0]?.entries ?? [];
    const invalidated = await fetch(
      `${url}/isr-inspector/api/invalidate?engine=fastify&id=${encodeURIComponent(entry?.id ?? "")}`,
      {
        method: "POST",
        headers: {
          authorization: `Bearer ${TOKEN}`,
          "x-isr-inspector": "1",
          "content-type": "application/json",
        },
        body: JSON.stringify({ ignored: true }),
      },
    );
    expect([invalidated.status, await invalidated.json()]).toEqual([200, { ok: true }]);
  });

  it("in Koa, with ctx.respond = false and the raw req/res", async () => {
    const app = new Koa();
    const settings = koaIsr<Settings, string>({
      ...settingsOptions("koa"),
      extract: (ctx) => tenantHeader(ctx.headers),
      cacheKey: (ctx) => ["tenant", tenantHeader(ctx.headers)],
      apply: (ctx, value) => {
        ctx.state.settings = value;
      },
    });
    const inspector = createInspector({ engines: [settings.isr], token: TOKEN });
    app.use(async (ctx, next) => {
      if (!inspector.handles(ctx.path)) return next();
      ctx.respond = false;
      await inspector.node(ctx.req, ctx.res);
    });
    app.use(async (ctx, next) => {
      if (ctx.path !== "/settings") return next();
      await settings(ctx, async () => {
        ctx.body = ctx.state.settings;
      });
    });
    const server = await listen((port, host, ready) => app.listen(port, host, ready));
    closers.push(server.close);
    await exercise(server.url, "koa");
  });

  it("in Hono, with inspector.fetch on the raw Request", async () => {
    const app = new Hono<{ Variables: { settings: Settings } }>();
    const settings = honoIsr<Settings, string, { Variables: { settings: Settings } }>({
      ...settingsOptions("hono"),
      extract: (c) => String(c.req.header("x-tenant")),
      cacheKey: (c) => ["tenant", String(c.req.header("x-tenant"))],
      apply: (c, value) => c.set("settings", value),
    });
    const inspector = createInspector({ engines: [settings.isr], token: TOKEN });
    app.all("/isr-inspector", (c) => inspector.fetch(c.req.raw));
    app.all("/isr-inspector/*", (c) => inspector.fetch(c.req.raw));
    app.get("/settings", settings, (c) => c.json(c.get("settings")));
    const server = await listen(
      (port, host, ready) => createAdaptorServer({ fetch: app.fetch }).listen(port, host, ready) as Server,
    );
    closers.push(server.close);
    await exercise(server.url, "hono");
  });

  it("in node:http, with inspector.node(req, res, next) in front of the app", async () => {
    const isr = createIsr<Settings, string>(settingsOptions("node"));
    const inspector = createInspector({ engines: [isr], token: TOKEN });
    const server = await listen((port, host, ready) =>
      createServer((req, res) => {
        inspector.node(req, res, async () => {
          if (req.url !== "/settings") {
            res.writeHead(404).end();
            return;
          }
          const tenant = tenantHeader(req.headers);
          const { value } = await isr.get(["tenant", tenant], tenant);
          res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(value));
        });
      }).listen(port, host, ready),
    );
    closers.push(server.close);
    await exercise(server.url, "node");
  });
});

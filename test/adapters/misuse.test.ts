import { serve } from "@hono/node-server";
import express, { type NextFunction, type Request, type Response } from "express";
import Fastify from "fastify";
import { Hono } from "hono";
import Koa from "koa";
import { afterEach, describe, expect, it } from "vitest";
import { isrPlug as expressIsrPlug } from "../../src/adapters/express.js";
import { isrPlug as fastifyIsrPlug } from "../../src/adapters/fastify.js";
import { isrPlug as honoIsrPlug } from "../../src/adapters/hono.js";
import { isrPlug as koaIsrPlug } from "../../src/adapters/koa.js";
import { isrPlug as webIsrPlug } from "../../src/adapters/web.js";
import { createMemoryStore } from "../../src/index.js";
import { httpGet, listen } from "../helpers.js";

// Each misuse a newcomer makes gets a message saying what to write instead, as early as the
// framework lets the adapter see it: at the call for Fastify, at the first request elsewhere.
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

const options = () => ({ fetch: () => "value", apply: () => {}, store: createMemoryStore() });
const FACTORY_HINT = "app.use(isrPlug({ fetch, apply, ... })), not app.use(isrPlug)";

describe("a factory handed to the framework uncalled: app.use(isrPlug)", () => {
  it("Express answers 500 with the hint in the error", async () => {
    const app = express();
    app.use(expressIsrPlug as never);
    const errors: unknown[] = [];
    app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
      errors.push(error);
      res.status(500).send(String(error));
    });
    const server = await listen((port, host, ready) => app.listen(port, host, ready));
    closers.push(server.close);
    const response = await httpGet(`${server.url}/`);
    expect(response.status).toBe(500);
    expect(response.body).toContain(FACTORY_HINT);
    expect(errors).toHaveLength(1);
  });

  it("Koa answers 500 and reports the hint to app.on('error')", async () => {
    const app = new Koa();
    app.use(koaIsrPlug as never);
    const errors: Error[] = [];
    app.on("error", (error: Error) => errors.push(error));
    const server = await listen((port, host, ready) => app.listen(port, host, ready));
    closers.push(server.close);
    expect((await httpGet(`${server.url}/`)).status).toBe(500);
    expect(errors.map((error) => error.message)).toEqual([expect.stringContaining(FACTORY_HINT)]);
  });

  it("Hono answers 500 and hands the hint to app.onError", async () => {
    const app = new Hono();
    app.use(honoIsrPlug as never);
    app.get("/", (c) => c.text("route"));
    app.onError((error, c) => c.text(error.message, 500));
    const server = await listen(
      (port, host, ready) => serve({ fetch: app.fetch, port, hostname: host }, () => ready()) as never,
    );
    closers.push(server.close);
    const response = await httpGet(`${server.url}/`);
    expect(response.status).toBe(500);
    expect(response.body).toContain(FACTORY_HINT);
  });

  it("a Web route handler set to the factory (export const GET = isrPlug) throws the hint", () => {
    const GET = webIsrPlug as unknown as (request: Request) => Response;
    expect(() => GET(new Request("http://127.0.0.1/") as never)).toThrow(
      "export const GET = withSettings((request, value, info) => Response.json(value)), not export const GET = isrPlug",
    );
  });

  it("a Web route handler set to the wrapper (export const GET = withSettings) throws the hint", () => {
    const withSettings = webIsrPlug({ fetch: () => "value", store: createMemoryStore() });
    closers.push(() => withSettings.isr.close());
    const GET = withSettings as unknown as (request: Request, context: unknown) => Response;
    expect(() => GET(new Request("http://127.0.0.1/") as never, { params: Promise.resolve({}) })).toThrow(
      "it wraps a route handler. Write export const GET = withSettings((request, value, info) => Response.json(value)), not export const GET = withSettings",
    );
  });
});

describe("Fastify", () => {
  it("register(isrPlug({ ... })) throws at once, saying to pass the options to register", () => {
    const app = Fastify();
    closers.push(() => app.close());
    expect(() => app.register((fastifyIsrPlug as (o: unknown) => never)(options()))).toThrow(
      "write app.register(isrPlug, { fetch, apply, ... }), not app.register(isrPlug({ ... }))",
    );
  });

  it("a second registration in one context fails at ready(), naming the decorator option", async () => {
    const app = Fastify();
    closers.push(() => app.close());
    app.register(fastifyIsrPlug, options());
    app.register(fastifyIsrPlug, options());
    await expect(app.ready()).rejects.toThrow(
      'this Fastify instance already has "isr" (isr-plug registered twice in one context?): give each registration its own engine name with the "decorator" option',
    );
  });

  it("with its own decorator name, a second registration works", async () => {
    const app = Fastify();
    closers.push(() => app.close());
    app.register(fastifyIsrPlug, options());
    app.register(fastifyIsrPlug, { ...options(), decorator: "pages" });
    await app.ready();
    expect(app.hasDecorator("isr") && app.hasDecorator("pages")).toBe(true);
  });
});

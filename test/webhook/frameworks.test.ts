import express from "express";
import Fastify from "fastify";
import { Hono } from "hono";
import Koa from "koa";
import { afterEach, describe, expect, it } from "vitest";
import { createRevalidationWebhook } from "../../src/webhook.js";
import { listen, recordingLogger } from "../helpers.js";
import { listenFetch, NOW, recordingTarget, SECRET, send } from "./fixtures.js";

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

const BODY = JSON.stringify({ tags: ["posts"], paths: ["/blog"] });

function webhookAndTarget() {
  const target = recordingTarget();
  const logger = recordingLogger();
  return {
    target,
    logger,
    webhook: createRevalidationWebhook({ secret: SECRET, target, now: () => NOW, logger }),
  };
}

/** The mount each framework's docs show, then: signed passes, unsigned is refused, the app goes on. */
async function exercise(url: string, target: ReturnType<typeof recordingTarget>) {
  const ok = await send(`${url}/revalidate`, BODY);
  expect([ok.status, ok.body]).toEqual([
    200,
    { mode: "invalidate", tags: ["posts"], paths: ["/blog"], targets: 1 },
  ]);
  expect((await send(`${url}/revalidate`, BODY, { signature: null })).status).toBe(401);
  expect((await send(`${url}/revalidate`, BODY)).status).toBe(409);
  expect(target.calls.map((call) => call.value)).toEqual(["posts", "/blog"]);
  const echo = await fetch(`${url}/echo`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: '{"a":1}',
  });
  expect(await echo.json()).toEqual({ a: 1 });
}

describe("mounted in each framework, over HTTP", () => {
  it("Express: app.post(path, webhook.node), before express.json()", async () => {
    const { webhook, target } = webhookAndTarget();
    const app = express();
    app.post("/revalidate", webhook.node);
    app.use(express.json());
    app.post("/echo", (req, res) => void res.json(req.body));
    const server = await listen((port, host, ready) => app.listen(port, host, ready));
    closers.push(server.close);
    await exercise(server.url, target);
  });

  it("Express: behind express.raw() the raw bytes are checked; behind express.json() it is a 500 that says why", async () => {
    const { webhook, target, logger } = webhookAndTarget();
    const app = express();
    app.post("/raw/revalidate", express.raw({ type: "*/*" }), webhook.node);
    app.use(express.json());
    app.post("/revalidate", webhook.node);
    const server = await listen((port, host, ready) => app.listen(port, host, ready));
    closers.push(server.close);
    expect((await send(`${server.url}/raw/revalidate`, BODY)).status).toBe(200);
    const parsed = await send(`${server.url}/revalidate`, JSON.stringify({ tags: ["x"] }));
    expect([parsed.status, parsed.body]).toEqual([
      500,
      { error: "the webhook is mounted after a body parser" },
    ]);
    expect(logger.at("error")[0]?.message).toMatch(
      /already read by a body parser; mount the webhook before it/,
    );
    expect(target.calls).toHaveLength(2);
  });

  it("Fastify: reply.hijack() in the route's onRequest hook, before Fastify reads the body", async () => {
    const { webhook, target } = webhookAndTarget();
    const app = Fastify();
    app.post(
      "/revalidate",
      {
        onRequest: async (request, reply) => {
          reply.hijack();
          await webhook.node(request.raw, reply.raw);
        },
      },
      async () => undefined,
    );
    app.post("/echo", async (request) => request.body);
    await app.listen({ port: 0, host: "127.0.0.1" });
    closers.push(() => app.close());
    const address = app.server.address();
    if (address === null || typeof address === "string") throw new Error("no port");
    await exercise(`http://127.0.0.1:${address.port}`, target);
  });

  it("Koa: ctx.respond = false, then webhook.node(ctx.req, ctx.res)", async () => {
    const { webhook, target } = webhookAndTarget();
    const app = new Koa();
    app.use(async (ctx, next) => {
      if (ctx.path !== "/revalidate") return next();
      ctx.respond = false;
      await webhook.node(ctx.req, ctx.res);
    });
    app.use(async (ctx) => {
      // A stand-in for a body parser, to show the app goes on.
      let text = "";
      for await (const chunk of ctx.req) text += chunk;
      ctx.body = JSON.parse(text);
    });
    const server = await listen((port, host, ready) => app.listen(port, host, ready));
    closers.push(server.close);
    await exercise(server.url, target);
  });

  it("Hono: app.post(path, (c) => webhook(c.req.raw))", async () => {
    const { webhook, target } = webhookAndTarget();
    const app = new Hono();
    app.post("/revalidate", (c) => webhook(c.req.raw));
    app.post("/echo", async (c) => c.json(await c.req.json()));
    const server = await listenFetch(app.fetch);
    closers.push(server.close);
    await exercise(server.url, target);
  });
});

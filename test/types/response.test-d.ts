// Type tests for isrResponse in every adapter, checked by `npm run typecheck` (tsc). Never executed.
import express from "express";
import Fastify from "fastify";
import { Hono } from "hono";
import Koa from "koa";
import { expectTypeOf } from "vitest";
import { isrResponse as expressResponse } from "../../src/adapters/express.js";
import { isrResponse as fastifyResponse } from "../../src/adapters/fastify.js";
import { isrResponse as honoResponse } from "../../src/adapters/hono.js";
import { isrResponse as koaResponse } from "../../src/adapters/koa.js";
import { isrResponse as webResponse } from "../../src/adapters/web.js";
import type { ResponseCache, RevalidationTarget } from "../../src/index.js";

// Every adapter hands out the same cache, and the cache is what the webhook acts on.
expectTypeOf<ResponseCache>().toMatchTypeOf<RevalidationTarget>();

const pages = expressResponse({ cacheStatus: true, maxBodyBytes: 1_000_000 });
express().use(pages);
expectTypeOf(pages.cache).toEqualTypeOf<ResponseCache>();
expectTypeOf(pages.cache.revalidatePath("/a")).toEqualTypeOf<Promise<void>>();
expectTypeOf(pages.cache.invalidateTag("posts", { mode: "soft" })).toEqualTypeOf<Promise<void>>();
// @ts-expect-error: the modes are "hard" and "soft"
void pages.cache.invalidatePath("/a", { mode: "later" });
// @ts-expect-error: not an option
expressResponse({ ttl: 5 });

const koaPages = koaResponse({ keyHeaders: ["authorization"] });
new Koa().use(koaPages);
expectTypeOf(koaPages.cache).toEqualTypeOf<ResponseCache>();

const app = new Hono();
app.use(honoResponse({ app }));
// @ts-expect-error: the Hono adapter needs the app it is used in (re-renders go through app.fetch)
honoResponse({});

const fastify = Fastify();
void fastify.register(fastifyResponse, { cacheStatus: true });

// The web wrapper keeps the route handler's own signature.
const cached = webResponse();
const GET = cached(async (request: Request, context: { params: Promise<{ slug: string }> }) => {
  const { slug } = await context.params;
  return new Response(`${request.method} ${slug}`);
});
expectTypeOf(GET).parameters.toEqualTypeOf<[Request, { params: Promise<{ slug: string }> }]>();
expectTypeOf(GET).returns.toEqualTypeOf<Promise<Response>>();
expectTypeOf(cached.cache).toEqualTypeOf<ResponseCache>();

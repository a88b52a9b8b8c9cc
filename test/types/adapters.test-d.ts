// Type tests, checked by `npm run typecheck` (tsc): each `@ts-expect-error` line must fail to
// compile, so a wrong callback signature is caught at build time. Never executed.
import type { Request as ExpressRequest, Response as ExpressResponse } from "express";
import Fastify, { type FastifyReply, type FastifyRequest } from "fastify";
import { type Context, Hono } from "hono";
import Koa from "koa";
import { expectTypeOf } from "vitest";
import { isrPlug as expressIsr } from "../../src/adapters/express.js";
import { isrPlug as fastifyIsr } from "../../src/adapters/fastify.js";
import { isrPlug as honoIsr } from "../../src/adapters/hono.js";
import { isrPlug as koaIsr } from "../../src/adapters/koa.js";
import { isrPlug as webIsr } from "../../src/adapters/web.js";
import type { Isr, IsrInfo } from "../../src/index.js";

type Settings = { theme: "dark" | "light" };
type Tenant = { tenant: string };
const load = async ({ tenant }: Tenant): Promise<Settings> => ({ theme: tenant === "a" ? "dark" : "light" });

// What `apply` decorates, declared the Fastify way.
declare module "fastify" {
  interface FastifyRequest {
    typeTestSettings?: Settings;
  }
}

// Express: callbacks get Express's own req and res.
expressIsr<Settings, Tenant>({
  fetch: load,
  extract: (req) => {
    expectTypeOf(req).toEqualTypeOf<ExpressRequest>();
    return { tenant: req.hostname };
  },
  apply: (req, res, value, info) => {
    expectTypeOf(req).toEqualTypeOf<ExpressRequest>();
    expectTypeOf(res).toEqualTypeOf<ExpressResponse>();
    expectTypeOf(value).toEqualTypeOf<Settings>();
    expectTypeOf(info).toEqualTypeOf<IsrInfo>();
  },
});
// @ts-expect-error the value is Settings, not a number
expressIsr<Settings, Tenant>({ fetch: load, apply: (_req, _res, _value: number) => {} });
// @ts-expect-error a cache key is a string or an array of strings and numbers
expressIsr<Settings, Tenant>({ fetch: load, apply: () => {}, cacheKey: () => ({ tenant: "a" }) });
// @ts-expect-error fetch receives what extract returns
expressIsr<Settings, Tenant>({ fetch: load, apply: () => {}, extract: () => 42 });

// Fastify: the type arguments type fetch and apply; apply may set what FastifyRequest declares.
const fastify = Fastify();
fastify.register(fastifyIsr<Settings, Tenant>, {
  fetch: load,
  extract: (request) => {
    expectTypeOf(request).toEqualTypeOf<FastifyRequest>();
    return { tenant: request.hostname };
  },
  apply: (request, reply, value, info) => {
    expectTypeOf(reply).toEqualTypeOf<FastifyReply>();
    expectTypeOf(info).toEqualTypeOf<IsrInfo>();
    request.typeTestSettings = value;
  },
  onError: (_request, reply, error) => {
    expectTypeOf(error).toBeUnknown();
    reply.code(503).send("settings unavailable");
  },
  hook: "preHandler",
  prefix: "/api",
});
fastify.register(fastifyIsr, {
  fetch: () => "untyped",
  apply: (_request, _reply, value) => expectTypeOf(value).toBeUnknown(),
});
fastify.register(fastifyIsr<Settings, Tenant>, {
  fetch: load,
  apply: (request, _reply, value) => {
    // @ts-expect-error a property FastifyRequest does not declare
    request.undeclaredSettings = value;
  },
});
// @ts-expect-error only "onRequest" and "preHandler"
fastify.register(fastifyIsr<Settings, Tenant>, { fetch: load, apply: () => {}, hook: "onSend" });
// @ts-expect-error the value is Settings, not a number
fastify.register(fastifyIsr<Settings, Tenant>, {
  fetch: load,
  apply: (_request, _reply, _value: number) => {},
});

// Koa: `StateT` types ctx.state.
const koa = new Koa<{ settings?: Settings }>();
const koaMiddleware = koaIsr<Settings, Tenant, { settings?: Settings }>({
  fetch: load,
  extract: (ctx) => ({ tenant: ctx.hostname }),
  apply: (ctx, value, info) => {
    expectTypeOf(info).toEqualTypeOf<IsrInfo>();
    ctx.state.settings = value;
  },
  onError: (ctx, error) => {
    expectTypeOf(error).toBeUnknown();
    ctx.status = 503;
  },
});
koa.use(koaMiddleware);
expectTypeOf(koaMiddleware.isr).toEqualTypeOf<Isr<Settings, Tenant>>();
koaIsr<Settings, Tenant, { settings?: Settings }>({
  fetch: load,
  apply: (ctx) => {
    // @ts-expect-error ctx.state.settings is Settings
    ctx.state.settings = 42;
  },
});
// @ts-expect-error Koa's apply is (ctx, value, info): there is no separate response
koaIsr<Settings, Tenant>({ fetch: load, apply: (_ctx, _res: unknown, _value: Settings) => {} });

// Hono: the Env types c.set in apply and c.get in routes.
type AppEnv = { Variables: { settings: Settings } };
const hono = new Hono<AppEnv>();
hono.use(
  honoIsr<Settings, Tenant, AppEnv>({
    fetch: load,
    extract: (c) => {
      expectTypeOf(c).toEqualTypeOf<Context<AppEnv>>();
      return { tenant: new URL(c.req.url).hostname };
    },
    apply: (c, value) => c.set("settings", value),
    onError: (c) => c.text("settings unavailable", 503),
  }),
);
hono.get("/", (c) => c.json(c.get("settings")));
honoIsr<Settings, Tenant, AppEnv>({
  fetch: load,
  // @ts-expect-error "settings" holds Settings
  apply: (c) => c.set("settings", 42),
});
honoIsr<Settings, Tenant, AppEnv>({
  fetch: load,
  apply: () => {},
  // @ts-expect-error onError answers with a Response or nothing
  onError: () => "settings unavailable",
});

// Web: the handler gets the (applied) value and info, then what the host passes (Next.js context).
const withSettings = webIsr<Settings, Tenant>({
  fetch: load,
  extract: (request) => {
    expectTypeOf(request).toEqualTypeOf<Request>();
    return { tenant: new URL(request.url).hostname };
  },
});
export const GET = withSettings(
  async (request, settings, info, context: { params: Promise<{ slug: string }> }) => {
    expectTypeOf(settings).toEqualTypeOf<Settings | undefined>();
    expectTypeOf(info).toEqualTypeOf<IsrInfo | undefined>();
    return Response.json({ url: request.url, theme: settings?.theme, slug: (await context.params).slug });
  },
);
expectTypeOf(GET).parameters.toEqualTypeOf<[Request, { params: Promise<{ slug: string }> }]>();
expectTypeOf(withSettings.isr).toEqualTypeOf<Isr<Settings, Tenant>>();
const withTheme = webIsr({ fetch: load, apply: (_request, settings) => settings.theme });
withTheme((_request, theme) => {
  expectTypeOf(theme).toEqualTypeOf<"dark" | "light" | undefined>();
  return new Response(theme);
});
// @ts-expect-error a handler returns a Response
withSettings(() => "not a response");
// @ts-expect-error onError answers with a Response or nothing
webIsr<Settings, Tenant>({ fetch: load, onError: () => 503 });

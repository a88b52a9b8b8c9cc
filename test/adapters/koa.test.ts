import Koa from "koa";
import { afterEach, describe, expect, it } from "vitest";
import { isrPlug } from "../../src/adapters/koa.js";
import { createMemoryStore } from "../../src/index.js";
import { flush, listen } from "../helpers.js";
import {
  actOn,
  conformanceSuite,
  type Harness,
  httpGet,
  routeBody,
  type Shown,
  settle,
} from "./conformance.js";

type State = { shown?: Shown };

const tenantOf = (ctx: Koa.Context) => ctx.get("x-tenant") || undefined;

/** Koa's error handling, the usual way: an upstream middleware that catches. */
const answerErrors: Koa.Middleware = async (ctx, next) => {
  try {
    await next();
  } catch (error) {
    ctx.status = 500;
    ctx.body = { error: (error as Error).message };
  }
};

const koaHarness: Harness = {
  name: "koa",
  async start(spec) {
    const { extract, cacheKey, onError } = spec;
    const middleware = isrPlug<unknown, unknown, State>({
      ...spec.options,
      logger: spec.logger,
      extract: extract && ((ctx) => extract(tenantOf(ctx))),
      cacheKey: cacheKey && ((ctx) => cacheKey(tenantOf(ctx))),
      apply: (ctx, value, info) =>
        settle(spec.apply(value, info), (applied) => {
          ctx.state.shown = { value: applied, info };
          ctx.set("x-isr-state", info.state);
        }),
      onError:
        onError &&
        ((ctx, error) =>
          settle(onError(error), (action) =>
            actOn(
              action,
              (status, halted) => {
                ctx.status = status;
                ctx.body = { halted };
              },
              (value) => {
                ctx.state.shown = { value, info: null };
              },
            ),
          )),
    });
    const app = new Koa<State>();
    app.use(answerErrors);
    app.use(middleware);
    app.use((ctx) => {
      spec.onRoute();
      ctx.body = routeBody(ctx.state.shown);
    });
    const server = await listen((port, host, ready) => app.listen(port, host, ready));
    return { get: (tenant) => httpGet(server.url, tenant), isr: middleware.isr, close: server.close };
  },
};

conformanceSuite(koaHarness);

describe("koa middleware", () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((close) => close()));
  });

  async function serve(onError: (ctx: Koa.Context) => void) {
    let downstream = 0;
    const app = new Koa();
    app.use(
      isrPlug({
        fetch: () => Promise.reject(new Error("down")),
        apply: () => {},
        onError,
        store: createMemoryStore(),
      }),
    );
    app.use((ctx) => {
      downstream += 1;
      ctx.body = "downstream";
    });
    const server = await listen((port, host, ready) => app.listen(port, host, ready));
    closers.push(server.close);
    const response = await fetch(server.url);
    return { status: response.status, body: await response.text(), downstream };
  }

  it("an onError that only sets a status halts; one that sets a header does not", async () => {
    expect(
      await serve((ctx) => {
        ctx.status = 503;
      }),
    ).toEqual({ status: 503, body: "Service Unavailable", downstream: 0 });
    expect(
      await serve((ctx) => {
        ctx.set("x-settings", "defaults");
      }),
    ).toEqual({ status: 200, body: "downstream", downstream: 1 });
  });

  it("errors from downstream propagate through it untouched", async () => {
    const app = new Koa();
    app.use(answerErrors);
    app.use(isrPlug({ fetch: () => "v", apply: () => {}, store: createMemoryStore() }));
    app.use(() => {
      throw new Error("route broke");
    });
    const server = await listen((port, host, ready) => app.listen(port, host, ready));
    closers.push(server.close);
    for (const _ of [1, 2]) {
      const response = await fetch(server.url);
      expect(response.status).toBe(500);
      expect(await response.json()).toEqual({ error: "route broke" });
    }
  });

  it("returns downstream's own promise on a hit from the memory store (no promise hop)", async () => {
    const middleware = isrPlug({ fetch: () => "v", apply: () => {}, store: createMemoryStore() });
    const ctx = {} as Koa.ParameterizedContext;
    await middleware(ctx, async () => {});
    await flush();
    const downstream = Promise.resolve();
    expect(middleware(ctx, () => downstream)).toBe(downstream);
  });
});

import { createServer } from "node:http";
import express, { type NextFunction, type Request, type Response } from "express";
import { afterEach, describe, expect, it } from "vitest";
import { isrPlug } from "../../src/adapters/express.js";
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

const tenantOf = (req: Request) => req.get("x-tenant");

const expressHarness: Harness = {
  name: "express",
  async start(spec) {
    const { extract, cacheKey, onError } = spec;
    const middleware = isrPlug<unknown, unknown>({
      ...spec.options,
      logger: spec.logger,
      extract: extract && ((req) => extract(tenantOf(req))),
      cacheKey: cacheKey && ((req) => cacheKey(tenantOf(req))),
      apply: (_req, res, value, info) =>
        settle(spec.apply(value, info), (shown) => {
          res.locals.shown = { value: shown, info } satisfies Shown;
          res.setHeader("x-isr-state", info.state);
        }),
      onError:
        onError &&
        ((_req, res, error) =>
          settle(onError(error), (action) =>
            actOn(
              action,
              (status, halted) => res.status(status).json({ halted }),
              (value) => {
                res.locals.shown = { value, info: null } satisfies Shown;
              },
            ),
          )),
    });
    const app = express();
    app.use(middleware);
    app.get("/", (_req, res) => {
      spec.onRoute();
      res.json(routeBody(res.locals.shown));
    });
    app.use((error: Error, _req: Request, res: Response, _next: NextFunction) => {
      res.status(500).json({ error: error.message });
    });
    const server = await listen((port, host, ready) => app.listen(port, host, ready));
    return { get: (tenant) => httpGet(server.url, tenant), isr: middleware.isr, close: server.close };
  },
};

conformanceSuite(expressHarness);

describe("express middleware", () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((close) => close()));
  });

  it("calls next synchronously on a hit from the memory store (no promise hop)", async () => {
    const middleware = isrPlug({ fetch: () => "v", apply: () => {}, store: createMemoryStore() });
    const req = {} as Request;
    const res = { headersSent: false, writableEnded: false } as Response;
    let calls = 0;
    const next = () => {
      calls += 1;
    };
    middleware(req, res, next);
    expect(calls).toBe(0);
    await flush();
    expect(calls).toBe(1);
    middleware(req, res, next);
    expect(calls).toBe(2);
  });

  it("works as plain Connect-style middleware on node:http", async () => {
    const middleware = isrPlug<string>({
      fetch: () => "plain",
      apply: (_req, res, value) => {
        res.setHeader("x-value", value);
      },
      store: createMemoryStore(),
    });
    const server = await listen((port, host, ready) =>
      createServer((req, res) => {
        middleware(req as Request, res as Response, (error?: unknown) => {
          res.end(error ? "error" : "next");
        });
      }).listen(port, host, ready),
    );
    closers.push(server.close);
    const response = await fetch(server.url);
    expect(response.headers.get("x-value")).toBe("plain");
    expect(await response.text()).toBe("next");
  });

  it.each<[string, object]>([
    ['isr-plug: "apply" must be a function, got undefined', { fetch: () => 1 }],
    ['isr-plug: "extract" must be a function, got 1', { fetch: () => 1, apply: () => {}, extract: 1 }],
    ['"onError" must be a function', { fetch: () => 1, apply: () => {}, onError: "x" }],
    [
      'unknown option "cache_key_fun" (did you mean "cacheKey"?)',
      { fetch: () => 1, apply: () => {}, cache_key_fun: () => "k" },
    ],
  ])("rejects bad options at the call with a TypeError: %s", (message, options) => {
    expect(() => isrPlug(options as never)).toThrow(TypeError);
    expect(() => isrPlug(options as never)).toThrow(message);
  });
});

import type { AddressInfo } from "node:net";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { isrPlug } from "../../src/adapters/fastify.js";
import { createMemoryStore, type Isr } from "../../src/index.js";
import { countingFetch, recordingLogger } from "../helpers.js";
import {
  actOn,
  conformanceSuite,
  type Harness,
  httpGet,
  type RecordingLogger,
  routeBody,
  type Shown,
  settle,
} from "./conformance.js";

/** The recording logger in the shape Fastify requires of a `loggerInstance`. */
function fastifyLogger(recorder: RecordingLogger): FastifyBaseLogger {
  const logger = {
    ...recorder,
    level: "info",
    fatal: recorder.error,
    trace() {},
    child: () => logger,
    silent() {},
  };
  return logger as unknown as FastifyBaseLogger;
}

const tenantOf = (request: FastifyRequest) => request.headers["x-tenant"] as string | undefined;

const isrOf = (app: FastifyInstance, name = "isr") =>
  (app as unknown as Record<string, Isr<unknown, unknown>>)[name] as Isr<unknown, unknown>;

async function listenOn(app: FastifyInstance) {
  await app.listen({ port: 0, host: "127.0.0.1" });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

const fastifyHarness: Harness = {
  name: "fastify",
  async start(spec) {
    const { extract, cacheKey, onError } = spec;
    const shown = new WeakMap<FastifyRequest, Shown>();
    const app = Fastify({ loggerInstance: fastifyLogger(spec.logger) });
    app.setErrorHandler((error: Error, _request, reply) => {
      reply.code(500).send({ error: error.message });
    });
    await app.register(isrPlug, {
      ...spec.options,
      extract: extract && ((request) => extract(tenantOf(request))),
      cacheKey: cacheKey && ((request) => cacheKey(tenantOf(request))),
      apply: (request, reply, value, info) =>
        settle(spec.apply(value, info), (applied) => {
          shown.set(request, { value: applied, info });
          reply.header("x-isr-state", info.state);
        }),
      onError:
        onError &&
        ((request, reply, error) =>
          settle(onError(error), (action) =>
            actOn(
              action,
              (status, halted) => reply.code(status).send({ halted }),
              (value) => shown.set(request, { value, info: null }),
            ),
          )),
    });
    app.get("/", async (request) => {
      spec.onRoute();
      return routeBody(shown.get(request));
    });
    const url = await listenOn(app);
    return { get: (tenant) => httpGet(url, tenant), isr: isrOf(app), close: () => app.close() };
  },
};

conformanceSuite(fastifyHarness);

describe("fastify plugin", () => {
  const apps: FastifyInstance[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });
  const newApp = () => {
    const app = Fastify();
    apps.push(app);
    return app;
  };

  it('with hook: "preHandler", extract and cacheKey can read the parsed body', async () => {
    const app = newApp();
    const source = countingFetch((n) => n);
    await app.register(isrPlug<string, string>, {
      hook: "preHandler",
      fetch: (tenant) => `${tenant} ${source.fetch()}`,
      extract: (request) => (request.body as { tenant: string }).tenant,
      cacheKey: (request) => ["body", (request.body as { tenant: string }).tenant],
      apply: (_request, reply, value) => {
        reply.header("x-value", value);
      },
      store: createMemoryStore(),
    });
    app.post("/", async () => "ok");
    const post = (tenant: string) => app.inject({ method: "POST", url: "/", payload: { tenant } });
    expect((await post("acme")).headers["x-value"]).toBe("acme 1");
    expect((await post("globex")).headers["x-value"]).toBe("globex 2");
    expect((await post("acme")).headers["x-value"]).toBe("acme 1");
  });

  it("applies to the routes of the context it is registered in (declared before or after), not to siblings", async () => {
    const app = newApp();
    await app.register(async (scoped) => {
      scoped.get("/declared-before", async () => "before");
      await scoped.register(isrPlug<string>, {
        fetch: () => "cached",
        apply: (_request, reply, value) => {
          reply.header("x-value", value);
        },
        store: createMemoryStore(),
      });
      scoped.get("/inside", async () => "inside");
    });
    app.get("/outside", async () => "outside");
    expect((await app.inject("/inside")).headers["x-value"]).toBe("cached");
    expect((await app.inject("/declared-before")).headers["x-value"]).toBe("cached");
    expect((await app.inject("/outside")).headers["x-value"]).toBeUndefined();
  });

  it("decorates the instance with its engine (named by `decorator`) and closes it with the app", async () => {
    const app = Fastify();
    let aborted = false;
    await app.register(isrPlug<string>, {
      fetch: (_extracted, { signal }) =>
        new Promise<string>((_resolve, reject) => {
          signal.addEventListener("abort", () => {
            aborted = true;
            reject(signal.reason);
          });
        }),
      apply: () => {},
      decorator: "settings",
      store: createMemoryStore(),
    });
    await app.register(isrPlug<string>, { fetch: () => "two", apply: () => {}, store: createMemoryStore() });
    const settings = isrOf(app, "settings");
    expect(isrOf(app)).not.toBe(settings);
    expect(await isrOf(app).revalidate("k", undefined)).toBe("two");
    const pending = settings.revalidate("k", undefined);
    await app.close();
    expect(aborted).toBe(true);
    await expect(pending).rejects.toMatchObject({ code: "ISR_CLOSED" });
    await expect(settings.get("other", undefined)).rejects.toMatchObject({ code: "ISR_CLOSED" });
  });

  it("does not wait on a reply returned by apply or onError (a Reply is thenable)", async () => {
    const app = newApp();
    let fail = false;
    await app.register(isrPlug<string>, {
      fetch: () => (fail ? Promise.reject(new Error("down")) : "v"),
      apply: (_request, reply, value) => reply.header("x-value", value),
      onError: (request, reply) =>
        request.url === "/halt" ? reply.code(503).send("halted") : reply.header("x-value", "default"),
      cacheKey: (request) => request.url,
      store: createMemoryStore(),
    });
    app.get("/*", async () => "route");
    expect((await app.inject("/")).headers["x-value"]).toBe("v");
    fail = true;
    const passed = await app.inject("/other");
    expect([passed.statusCode, passed.headers["x-value"], passed.body]).toEqual([200, "default", "route"]);
    const halted = await app.inject("/halt");
    expect([halted.statusCode, halted.body]).toEqual([503, "halted"]);
  });

  it("takes Fastify's own register options (prefix, logLevel) without passing them to the core", async () => {
    const app = newApp();
    await app.register(isrPlug<string>, {
      fetch: () => "v",
      apply: (_request, reply, value) => {
        reply.header("x-value", value);
      },
      prefix: "/api",
      logLevel: "warn",
      store: createMemoryStore(),
    });
    app.get("/", async () => "ok");
    expect((await app.inject("/")).headers["x-value"]).toBe("v");
  });

  it("rejects bad options at startup with a TypeError naming them", async () => {
    const cases: [object, string][] = [
      [{ fetch: () => 1 }, '"apply" must be a function, got undefined'],
      [
        { fetch: () => 1, apply: () => {}, hook: "onSend" },
        '"hook" must be "onRequest" or "preHandler", got "onSend"',
      ],
      [{ fetch: () => 1, apply: () => {}, decorator: "" }, '"decorator" must be a non-empty string'],
      [{ fetch: () => 1, apply: () => {}, ttl: 5 }, 'unknown option "ttl" (did you mean "ttlMs"?)'],
    ];
    for (const [options, message] of cases) {
      const app = Fastify();
      app.register(isrPlug, options as never);
      await expect(app.ready()).rejects.toThrow(message);
      await app.close();
    }
  });

  it("logs with the app's logger: the engine's warnings and the default onError's, with request.log", async () => {
    const recorder = recordingLogger();
    const app = Fastify({ loggerInstance: fastifyLogger(recorder) });
    apps.push(app);
    const boom = new Error("origin down");
    await app.register(isrPlug<string>, {
      fetch: () => Promise.reject(boom),
      apply: () => {},
      store: createMemoryStore(),
    });
    app.get("/", async () => "ok");
    expect((await app.inject("/")).body).toBe("ok");
    const warnings = recorder.at("warn");
    expect(warnings.map((line) => line.message)).toEqual([
      "[isr-plug] fetch failed; passing the request through without apply",
    ]);
    expect(warnings[0]?.fields).toMatchObject({
      namespace: expect.stringMatching(/^isr_plug_cache#\d+$/),
      err: boom,
    });
  });

  it("goes on synchronously on a hit from the memory store (a callback hook, no promise hop)", () => {
    const hooks: Record<string, (...args: unknown[]) => void> = {};
    const instance = {
      log: Fastify().log,
      decorate() {},
      addHook(name: string, hook: (...args: unknown[]) => void) {
        hooks[name] = hook;
      },
    };
    let registered: unknown = "pending";
    (isrPlug as (...args: unknown[]) => void)(
      instance,
      { fetch: () => "v", apply: () => {}, store: createMemoryStore() },
      (error: unknown) => {
        registered = error;
      },
    );
    expect(registered).toBeUndefined();
    const request = { headers: {} };
    const reply = { sent: false };
    let resolvedOnMiss = false;
    hooks.onRequest?.(request, reply, () => {
      resolvedOnMiss = true;
    });
    expect(resolvedOnMiss).toBe(false);
    return new Promise<void>((resolve) => {
      setImmediate(() => {
        expect(resolvedOnMiss).toBe(true);
        let wentOn = false;
        const returned = hooks.onRequest?.(request, reply, () => {
          wentOn = true;
        });
        expect(wentOn).toBe(true);
        expect(returned).toBeUndefined();
        resolve();
      });
    });
  });
});

import { afterEach, describe, expect, it } from "vitest";
import type { IsrInfo } from "../../src/adapters/plug.js";
import { type CacheKey, createMemoryStore, type Isr, type IsrOptions } from "../../src/index.js";
import { isPromiseLike } from "../../src/stores/store.js";
import { countingFetch, deferred, fakeClock, flush, recordingLogger } from "../helpers.js";
import { onlyMember } from "./cache-status-parse.js";

/**
 * One scenario list for every adapter. A harness builds a small app in its framework from a
 * framework-neutral `AppSpec`, and every app answers the same way:
 * - the route responds 200 with JSON `{ value, info }`: what `apply` stored (or `onError`
 *   assigned) and the `info` apply received, `null` when absent; header `x-isr-state`;
 * - the framework's error handling responds 500 with JSON `{ error: message }`;
 * - an `onError` action `{ respond }` answers with that status and JSON `{ halted: body }`.
 */

export type RecordingLogger = ReturnType<typeof recordingLogger>;

/** What a custom `onError` does, in the harness's framework. */
export type OnErrorAction = { respond: { status: number; body: string } } | { assign: unknown } | undefined;

export interface AppSpec {
  /** Core options (fetch, clock, store...) and `cacheStatus`, without the logger: see `logger`. */
  options: Omit<IsrOptions<unknown, unknown>, "logger"> & { cacheStatus?: boolean | string };
  /** Where the app sends isr-plug's logs (Fastify: its own logger, so `request.log` too). */
  logger: RecordingLogger;
  /** From the `x-tenant` header (undefined when absent); omitted: the adapter's default. */
  extract?: (tenant: string | undefined) => unknown;
  cacheKey?: (tenant: string | undefined) => CacheKey;
  /** Runs inside `apply`; what it returns (or resolves to) is what the route shows. */
  apply: (value: unknown, info: IsrInfo) => unknown;
  /** Omitted: the adapter's default `onError`. */
  onError?: (error: unknown) => OnErrorAction | Promise<OnErrorAction>;
  /** Called by the route, so tests can see whether it ran. */
  onRoute: () => void;
}

export interface Reply {
  status: number;
  state: string | null;
  /** The `Cache-Status` header, only when the response has one. */
  cacheStatus?: string;
  // biome-ignore lint/suspicious/noExplicitAny: JSON from the app; each test reads what it expects.
  body: any;
}

export interface RunningApp {
  get(tenant?: string): Promise<Reply>;
  isr: Isr<unknown, unknown>;
  close(): Promise<void>;
}

export interface Harness {
  name: string;
  start(spec: AppSpec): Promise<RunningApp>;
}

/** Calls `then` with the value, at once if it is not a Promise. */
export function settle<T, R>(value: T | PromiseLike<T>, then: (value: T) => R): R | Promise<R> {
  return isPromiseLike<T>(value) ? Promise.resolve(value).then(then) : then(value);
}

/** Reads an app's answer from a fetch Response. */
export async function replyOf(response: Response): Promise<Reply> {
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: kept as text, so the assertion shows what came back.
  }
  const reply: Reply = { status: response.status, state: response.headers.get("x-isr-state"), body };
  const cacheStatus = response.headers.get("cache-status");
  if (cacheStatus !== null) reply.cacheStatus = cacheStatus;
  return reply;
}

/** GET over real HTTP, with the tenant header when given. */
export async function httpGet(url: string, tenant?: string): Promise<Reply> {
  return replyOf(await fetch(url, { headers: tenant === undefined ? {} : { "x-tenant": tenant } }));
}

/** A Request for in-process transports (Hono's `app.request`, a direct Web handler call). */
export function requestFor(tenant?: string): Request {
  return new Request("http://127.0.0.1/", { headers: tenant === undefined ? {} : { "x-tenant": tenant } });
}

type Settings = { tenant: string; n: number };

const tenantIn = (extracted: unknown) => (extracted as { tenant: string }).tenant;

const TTL_MS = 1_000;
const STALE_TTL_MS = 10_000;

/** Fresh for TTL_MS, then stale for STALE_TTL_MS, on a clock the test moves. */
function clockedOptions(clock: ReturnType<typeof fakeClock>) {
  return {
    ttlMs: TTL_MS,
    staleTtlMs: STALE_TTL_MS,
    store: createMemoryStore({ now: clock.now }),
    now: clock.now,
  };
}

export function conformanceSuite(harness: Harness): void {
  describe(`${harness.name}: adapter conformance`, () => {
    const running: RunningApp[] = [];
    afterEach(async () => {
      await Promise.all(running.splice(0).map((app) => app.close()));
    });

    async function start(overrides: Partial<AppSpec> = {}, clock = fakeClock()) {
      const source = countingFetch((n) => n);
      const logger = recordingLogger();
      const infos: IsrInfo[] = [];
      let routeRuns = 0;
      const spec: AppSpec = {
        options: {
          fetch: (extracted) => ({ tenant: tenantIn(extracted), n: source.fetch() }),
          ...clockedOptions(clock),
        },
        logger,
        extract: (tenant) => ({ tenant: tenant ?? "none" }),
        cacheKey: (tenant) => ["settings", tenant ?? "none"],
        apply: (value, info) => {
          infos.push(info);
          return value;
        },
        onRoute: () => {
          routeRuns += 1;
        },
        ...overrides,
      };
      const app = await harness.start(spec);
      running.push(app);
      return {
        app,
        clock,
        source,
        logger,
        infos,
        get routeRuns() {
          return routeRuns;
        },
      };
    }

    const withFetch = (fetch: AppSpec["options"]["fetch"]): Partial<AppSpec> => ({
      options: { fetch, store: createMemoryStore() },
    });

    it("applies per-tenant values and keeps tenants apart", async () => {
      const { app } = await start();
      const reply = (tenant: string, state: string, n: number) => ({
        status: 200,
        state,
        body: { value: { tenant, n }, info: { state, ageMs: 0, key: ["settings", tenant] } },
      });
      expect(await app.get("acme")).toEqual(reply("acme", "miss", 1));
      expect(await app.get("globex")).toEqual(reply("globex", "miss", 2));
      expect(await app.get("acme")).toEqual(reply("acme", "fresh", 1));
    });

    it("passes apply exactly { state, ageMs, key }, through miss → fresh → stale → fresh → too stale", async () => {
      const { app, clock, source, infos } = await start();
      const key = ["settings", "acme"];
      expect((await app.get("acme")).body).toStrictEqual({
        value: { tenant: "acme", n: 1 },
        info: { state: "miss", ageMs: 0, key },
      });
      clock.advance(250);
      expect((await app.get("acme")).body.info).toStrictEqual({ state: "fresh", ageMs: 250, key });
      clock.advance(TTL_MS - 250);
      const stale = await app.get("acme");
      expect(stale.state).toBe("stale");
      expect(stale.body.value).toEqual({ tenant: "acme", n: 1 });
      await flush();
      expect(source.calls).toBe(2);
      expect((await app.get("acme")).body).toStrictEqual({
        value: { tenant: "acme", n: 2 },
        info: { state: "fresh", ageMs: 0, key },
      });
      clock.advance(TTL_MS + STALE_TTL_MS);
      expect((await app.get("acme")).body).toMatchObject({
        value: { tenant: "acme", n: 3 },
        info: { state: "miss", ageMs: 0 },
      });
      expect(infos.map((info) => info.state)).toEqual(["miss", "fresh", "stale", "fresh", "miss"]);
      for (const info of infos) expect(Object.keys(info).sort()).toEqual(["ageMs", "key", "state"]);
    });

    it("shares one entry between all requests with the default extract and cacheKey", async () => {
      const seen: unknown[] = [];
      const source = countingFetch((n) => `shared ${n}`);
      const { app } = await start({
        extract: undefined,
        cacheKey: undefined,
        ...withFetch((extracted, ctx) => {
          seen.push(extracted, ctx.key);
          return source.fetch();
        }),
      });
      const replies = await Promise.all([app.get("acme"), app.get("globex"), app.get()]);
      expect(replies.map((reply) => reply.body.value)).toEqual(["shared 1", "shared 1", "shared 1"]);
      expect(seen).toEqual([{}, "isr_plug_default_key"]);
    });

    it("serves stale to 50 concurrent requests while exactly one refresh runs", async () => {
      const clock = fakeClock();
      const refresh = deferred<number>();
      const source = countingFetch((n) => (n === 1 ? 1 : refresh.promise));
      const fetch = async (extracted: unknown) => ({ tenant: tenantIn(extracted), n: await source.fetch() });
      const { app } = await start({ options: { fetch, ...clockedOptions(clock) } }, clock);
      expect((await app.get("acme")).state).toBe("miss");
      clock.advance(TTL_MS);
      // The refresh cannot finish before the gate opens, so every answer here was served stale.
      const replies = await Promise.all(Array.from({ length: 50 }, () => app.get("acme")));
      expect(new Set(replies.map((reply) => `${reply.status} ${reply.state} ${reply.body.value.n}`))).toEqual(
        new Set(["200 stale 1"]),
      );
      expect(source.calls).toBe(2);
      refresh.resolve(2);
      await flush();
      expect(await app.get("acme")).toMatchObject({ state: "fresh", body: { value: { n: 2 } } });
      expect(source.calls).toBe(2);
    });

    it("200 concurrent cold requests share one fetch", async () => {
      const gate = deferred<string>();
      const source = countingFetch(() => gate.promise);
      let arrived = 0;
      const { app } = await start({
        ...withFetch(source.fetch),
        // The fetch answers once the last request is in: every one of them found it in flight.
        extract: () => {
          arrived += 1;
          if (arrived === 200) gate.resolve("one");
          return {};
        },
        cacheKey: undefined,
      });
      const replies = await Promise.all(Array.from({ length: 200 }, () => app.get()));
      expect(source.calls).toBe(1);
      expect(new Set(replies.map((reply) => `${reply.status} ${reply.state} ${reply.body.value}`))).toEqual(
        new Set(["200 miss one"]),
      );
    });

    it("by default logs a warning and passes the request through without apply", async () => {
      const boom = new Error("database timeout");
      let applied = 0;
      const started = await start({
        ...withFetch(() => Promise.reject(boom)),
        apply: () => {
          applied += 1;
        },
      });
      expect(await started.app.get("acme")).toEqual({
        status: 200,
        state: null,
        body: { value: null, info: null },
      });
      expect(applied).toBe(0);
      expect(started.routeRuns).toBe(1);
      const warnings = started.logger.at("warn");
      expect(warnings).toHaveLength(1);
      expect(warnings[0]?.message).toBe("[isr-plug] fetch failed; passing the request through without apply");
      expect(warnings[0]?.fields.err).toBe(boom);
    });

    it.each([
      ["synchronously", (error: unknown) => ({ respond: { status: 503, body: String(error) } })],
      [
        "after awaiting",
        async (error: unknown) => {
          await flush();
          return { respond: { status: 503, body: String(error) } };
        },
      ],
    ])("a custom onError that responds %s halts the request", async (_how, onError) => {
      const started = await start({ ...withFetch(() => Promise.reject(new Error("down"))), onError });
      expect(await started.app.get("acme")).toEqual({
        status: 503,
        state: null,
        body: { halted: "Error: down" },
      });
      expect(started.routeRuns).toBe(0);
    });

    it("a custom onError that assigns a default (async) lets the route run", async () => {
      const started = await start({
        ...withFetch(() => Promise.reject(new Error("down"))),
        onError: async () => {
          await flush();
          return { assign: { tenant: "default", n: 0 } };
        },
      });
      expect(await started.app.get("acme")).toMatchObject({
        status: 200,
        body: { value: { tenant: "default", n: 0 }, info: null },
      });
      expect(started.routeRuns).toBe(1);
    });

    it("awaits an async apply before the route runs", async () => {
      const { app } = await start({
        apply: async (value) => {
          await flush();
          return { ...(value as Settings), n: (value as Settings).n + 100 };
        },
      });
      expect((await app.get("acme")).body.value).toEqual({ tenant: "acme", n: 101 });
    });

    describe("exceptions reach the framework's error handling (no hang, no unhandled rejection)", () => {
      const down = () => Promise.reject(new Error("down"));
      const cases: [string, () => Partial<AppSpec>, string][] = [
        [
          "extract throws",
          () => ({
            extract: () => {
              throw new Error("extract broke");
            },
          }),
          "extract broke",
        ],
        [
          "cacheKey throws",
          () => ({
            cacheKey: () => {
              throw new Error("cacheKey broke");
            },
          }),
          "cacheKey broke",
        ],
        [
          "cacheKey returns undefined (never a key shared with other namespaces)",
          () => ({ cacheKey: () => undefined as never }),
          "isr-plug: a cache key must be",
        ],
        [
          "cacheKey returns a bad key",
          () => ({ cacheKey: () => ({ nope: 1 }) as never }),
          "isr-plug: a cache key must be",
        ],
        [
          "apply throws",
          () => ({
            apply: () => {
              throw new Error("apply broke");
            },
          }),
          "apply broke",
        ],
        [
          "apply rejects",
          () => ({ apply: () => Promise.reject(new Error("apply rejected")) }),
          "apply rejected",
        ],
        [
          "onError throws",
          () => ({
            ...withFetch(down),
            onError: () => {
              throw new Error("onError broke");
            },
          }),
          "onError broke",
        ],
        [
          "onError rejects",
          () => ({ ...withFetch(down), onError: () => Promise.reject(new Error("onError rejected")) }),
          "onError rejected",
        ],
      ];
      it.each(cases)("%s", async (_name, overrides, message) => {
        const started = await start(overrides());
        const reply = await started.app.get("acme");
        expect(reply.status).toBe(500);
        expect(reply.body.error).toContain(message);
        expect(started.routeRuns).toBe(0);
      });

      it("apply throwing on a cached (synchronous) hit", async () => {
        let calls = 0;
        const { app } = await start({
          apply: (value) => {
            calls += 1;
            if (calls === 2) throw new Error("second apply broke");
            return value;
          },
        });
        expect((await app.get("acme")).status).toBe(200);
        expect(await app.get("acme")).toMatchObject({ status: 500, body: { error: "second apply broke" } });
        expect((await app.get("acme")).status).toBe(200);
      });
    });

    it("adds an RFC 9211 Cache-Status header when asked, and none by default", async () => {
      const clock = fakeClock();
      const { app } = await start(
        {
          options: {
            fetch: (extracted) => ({ tenant: tenantIn(extracted), n: 1 }),
            ...clockedOptions(clock),
            cacheStatus: true,
          },
        },
        clock,
      );
      const member = async () => onlyMember((await app.get("acme")).cacheStatus);
      expect(await member()).toEqual({ cache: "isr-plug", params: { fwd: "miss", stored: true } });
      clock.advance(300);
      // 700 ms of freshness left: ttl counts whole seconds rounded up, so it is > 0 while fresh.
      expect(await member()).toEqual({ cache: "isr-plug", params: { hit: true, ttl: 1 } });
      clock.advance(TTL_MS + 2_500);
      // Served stale while it refreshes: a hit with negative freshness (RFC 9211 §3).
      expect(await member()).toEqual({ cache: "isr-plug", params: { hit: true, ttl: -2 } });
      const plain = await start();
      expect((await plain.app.get("acme")).cacheStatus).toBeUndefined();
    });

    it("Cache-Status names the cache as asked and reports a failed fetch passed through", async () => {
      const { app } = await start({
        options: {
          fetch: () => Promise.reject(new Error("down")),
          store: createMemoryStore(),
          cacheStatus: "edge-1",
        },
      });
      const reply = await app.get("acme");
      expect(reply).toMatchObject({ status: 200, body: { value: null } });
      expect(onlyMember(reply.cacheStatus)).toEqual({
        cache: "edge-1",
        params: { fwd: "miss", detail: "fetch-error" },
      });
    });

    it("stale-if-error: apply gets the last good value with info.error; Cache-Status says why", async () => {
      const clock = fakeClock();
      const boom = new Error("origin down");
      const source = countingFetch((n) => (n === 1 ? 1 : Promise.reject(boom)));
      const fetch = async (extracted: unknown) => ({ tenant: tenantIn(extracted), n: await source.fetch() });
      const { app, infos } = await start(
        { options: { fetch, ...clockedOptions(clock), staleIfErrorMs: 60_000, cacheStatus: true } },
        clock,
      );
      await app.get("acme");
      clock.advance(TTL_MS + STALE_TTL_MS); // too stale, inside the error window
      const reply = await app.get("acme");
      expect(reply).toMatchObject({
        status: 200,
        state: "stale",
        body: { value: { tenant: "acme", n: 1 } },
      });
      // Too stale to serve without asking the origin (fwd=stale), which failed.
      expect(onlyMember(reply.cacheStatus)).toEqual({
        cache: "isr-plug",
        params: { fwd: "stale", ttl: -10, detail: "stale-if-error" },
      });
      expect(infos.at(-1)).toEqual({
        state: "stale",
        ageMs: TTL_MS + STALE_TTL_MS,
        key: ["settings", "acme"],
        error: boom,
      });
    });

    it("two middlewares that name no namespace never serve each other's values, on the default store", async () => {
      const settings = await start({ options: { fetch: () => "settings" } });
      const flags = await start({ options: { fetch: () => "flags" } });
      expect(await settings.app.get("acme")).toMatchObject({ state: "miss", body: { value: "settings" } });
      expect(await flags.app.get("acme")).toMatchObject({ state: "miss", body: { value: "flags" } });
      expect(await settings.app.get("acme")).toMatchObject({ state: "fresh", body: { value: "settings" } });
      expect(settings.app.isr.namespace).not.toBe(flags.app.isr.namespace);
    });

    it("exposes its engine: invalidate makes the next request a miss, revalidate refetches", async () => {
      const { app } = await start();
      await app.get("acme");
      await app.isr.invalidate(["settings", "acme"]);
      expect(await app.get("acme")).toMatchObject({ state: "miss", body: { value: { n: 2 } } });
      expect(await app.isr.revalidate(["settings", "acme"], { tenant: "acme" })).toEqual({
        tenant: "acme",
        n: 3,
      });
      expect(await app.get("acme")).toMatchObject({ state: "fresh", body: { value: { n: 3 } } });
    });
  });
}

/** Carries out an `onError` action with the framework's own ways to respond and to assign. */
export function actOn<R>(
  action: OnErrorAction,
  respond: (status: number, halted: string) => R,
  assign: (value: unknown) => void,
): R | undefined {
  if (action === undefined) return undefined;
  if ("respond" in action) return respond(action.respond.status, action.respond.body);
  assign(action.assign);
  return undefined;
}

/** What the route shows: the applied (or assigned) value and the `info` apply received. */
export interface Shown {
  value: unknown;
  info: IsrInfo | null;
}

/** The route's JSON body. */
export function routeBody(shown: Shown | undefined): Shown {
  return { value: shown?.value ?? null, info: shown?.info ?? null };
}

import { describe, expect, it } from "vitest";
import { isrResponse } from "../../src/adapters/web.js";
import { createIsr } from "../../src/index.js";
import { parseCacheControl } from "../../src/response/cache-control.js";
import { noneMatch } from "../../src/response/etag.js";
import { pathTag } from "../../src/response/key.js";
import { RESPONSE_DEFAULTS } from "../../src/response/options.js";
import { fakeClock, recordingLogger } from "../helpers.js";

describe("parseCacheControl", () => {
  it("reads s-maxage before max-age, and RFC 5861's extensions", () => {
    expect(
      parseCacheControl("public, max-age=5, s-maxage=10, stale-while-revalidate=60, stale-if-error=300"),
    ).toEqual({
      forbidden: undefined,
      ttlMs: 10_000,
      staleTtlMs: 60_000,
      staleIfErrorMs: 300_000,
    });
    expect(parseCacheControl("max-age=5").ttlMs).toBe(5_000);
    expect(parseCacheControl('S-MAXAGE="7"').ttlMs).toBe(7_000);
  });

  it("names what forbids storing, with or without field names; ignores durations that are not whole seconds", () => {
    expect(parseCacheControl("s-maxage=10, private").forbidden).toBe("private");
    expect(parseCacheControl('no-cache="set-cookie, x-a", s-maxage=10').forbidden).toBe("no-cache");
    expect(parseCacheControl("no-store").forbidden).toBe("no-store");
    expect(parseCacheControl("s-maxage=1.5, max-age=-3").ttlMs).toBeUndefined();
    expect(parseCacheControl(undefined).ttlMs).toBeUndefined();
  });
});

describe("noneMatch", () => {
  it("compares weakly, in a list, and matches *", () => {
    expect(noneMatch('W/"a"', '"a"')).toBe(true);
    expect(noneMatch('"x", W/"a"', 'W/"a"')).toBe(true);
    expect(noneMatch('"b"', '"a"')).toBe(false);
    expect(noneMatch("*", '"a"')).toBe(true);
  });
});

describe("pathTag", () => {
  it("normalises the path as a URL path, and names a long one by a hash", () => {
    expect(pathTag("/blog/./a/../hello")).toBe("path:/blog/hello");
    expect(pathTag("/blog/hello?x=1")).toBe("path:/blog/hello");
    const long = pathTag(`/${"a".repeat(300)}`);
    expect(long).toMatch(/^path#[0-9a-f]{16}$/);
  });
});

describe("a missing header or cookie is not an empty one", () => {
  const route = (request: Request) => {
    const tenant = request.headers.get("x-tenant");
    return new Response(tenant === null ? "no tenant header" : `tenant "${tenant}"`, {
      headers: { "cache-control": "s-maxage=60", vary: "x-region" },
    });
  };
  it("in keyHeaders, keyCookies and Vary: each gets a page of its own", async () => {
    const cached = isrResponse({ keyHeaders: ["x-tenant"], keyCookies: ["t"] });
    const GET = cached(route);
    const text = async (headers: Record<string, string>) =>
      (await GET(new Request("http://a.test/p", { headers }))).text();
    expect(await text({})).toBe("no tenant header");
    expect(await text({ "x-tenant": "" })).toBe('tenant ""');
    expect(await text({})).toBe("no tenant header");
    // Cookies: `t=` and no `t` at all, and Vary: an empty x-region and none.
    const renders: string[] = [];
    const byCookie = isrResponse({ keyCookies: ["t"] })((request: Request) => {
      const cookie = request.headers.get("cookie") ?? "";
      renders.push(cookie);
      return new Response(cookie, { headers: { "cache-control": "s-maxage=60", vary: "x-region" } });
    });
    const variants: Record<string, string>[] = [
      { cookie: "t=" },
      { cookie: "other=1" },
      { cookie: "t=", "x-region": "" },
    ];
    for (const headers of variants) {
      await byCookie(new Request("http://a.test/p", { headers }));
    }
    expect(renders).toEqual(["t=", "other=1", "t="]);
    await cached.cache.close();
  });
});

describe("lifetimes", () => {
  const page = (cacheControl: string | undefined, status = 200) => {
    let renders = 0;
    const headers: Record<string, string> =
      cacheControl === undefined ? {} : { "cache-control": cacheControl };
    return {
      renders: () => renders,
      handler: (request: Request) => {
        renders++;
        void request;
        return new Response(`v${renders}`, { status: renders > 1 ? status : 200, headers });
      },
    };
  };
  const get = (handler: (request: Request) => Promise<Response>) =>
    handler(new Request("http://site.test/page")).then(async (response) => ({
      status: response.status,
      body: await response.text(),
    }));

  // The first client's render is stored once its body is complete: a second request joins it.
  const stored = async (handler: (request: Request) => Promise<Response>) => {
    await get(handler);
    expect((await get(handler)).body).toBe("v1");
  };

  it("options override the route's Cache-Control", async () => {
    const clock = fakeClock();
    const route = page("s-maxage=100");
    const handler = isrResponse({ now: clock.now, ttlMs: 5_000, staleTtlMs: 0 })(route.handler);
    await stored(handler);
    clock.advance(6_000); // past the option's 5 s, inside the header's 100 s: a miss
    expect((await get(handler)).body).toBe("v2");
  });

  it("without Cache-Control, the options (or the engine's defaults) apply", async () => {
    const clock = fakeClock();
    const route = page(undefined);
    const handler = isrResponse({ now: clock.now, ttlMs: 1_000, staleTtlMs: 0 })(route.handler);
    await get(handler);
    expect((await get(handler)).body).toBe("v1");
    clock.advance(1_001);
    expect((await get(handler)).body).toBe("v2");
  });

  it("s-maxage without stale-while-revalidate is not served stale", async () => {
    const clock = fakeClock();
    const route = page("s-maxage=10");
    const handler = isrResponse({ now: clock.now })(route.handler);
    await stored(handler);
    clock.advance(10_001);
    expect((await get(handler)).body).toBe("v2");
  });

  it("stale-if-error: a render answering 5xx leaves the last good page to the requests that waited", async () => {
    const clock = fakeClock();
    const route = page("s-maxage=10, stale-if-error=600", 503);
    const logger = recordingLogger();
    const handler = isrResponse({ now: clock.now, logger })(route.handler);
    await stored(handler);
    clock.advance(20_000); // too stale, inside stale-if-error
    const [first, waiter] = await Promise.all([get(handler), get(handler)]);
    expect(first).toEqual({ status: 503, body: "v2" }); // the render's own client gets its answer
    expect(waiter).toEqual({ status: 200, body: "v1" });
    expect(route.renders()).toBe(2);
    expect(logger.at("warn").map((line) => line.message)).toContainEqual(
      "[isr-plug] fetch failed or is slow; serving the last good value",
    );
  });
});

describe("options", () => {
  it("are checked, naming the bad one", () => {
    expect(() => isrResponse({ maxBodyBytes: -1 })).toThrow(/"maxBodyBytes"/);
    expect(() => isrResponse({ statuses: [99] })).toThrow(/"statuses"/);
    expect(() => isrResponse({ keyCookies: "a" as never })).toThrow(/"keyCookies"/);
    expect(() => isrResponse({ fetch: () => 1 } as never)).toThrow(/"fetch"/);
    expect(() => isrResponse({ ttlMs: -1 })).toThrow(/ttlMs/);
    expect(() => isrResponse({ bogus: 1 } as never)).toThrow(/unknown option "bogus"/);
  });
});

describe("the default store", () => {
  it("is the cache's own, bounded in bytes: pages beyond RESPONSE_DEFAULTS.storeMaxBytes are evicted", async () => {
    const body = "x".repeat(512 * 1024);
    const cached = isrResponse();
    const handler = cached(() => new Response(body, { headers: { "cache-control": "s-maxage=600" } }));
    for (let i = 0; i < 200; i++) {
      const response = await handler(new Request(`http://site.test/page-${i}`));
      await response.text();
    }
    // Once its body is complete a page is stored: a request for the last one joins its render or hits.
    await (await handler(new Request("http://site.test/page-199"))).text();
    const entries = cached.cache.isr.stats().storeEntries ?? Number.NaN;
    // 200 pages of 512 KB (~0.9 MB each as stored) are far over 64 MiB: about 70 fit.
    expect(entries).toBeGreaterThan(40);
    expect(entries).toBeLessThanOrEqual(
      Math.ceil(RESPONSE_DEFAULTS.storeMaxBytes / (512 * 1024 * 1.75 * 1.33)),
    );
    // Not the process-wide store the data engines share.
    expect(cached.cache.isr.store).not.toBe(createIsr({ fetch: () => 1 }).store);
    await cached.cache.close();
  });
});

import { gunzipSync, gzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { deferred, fakeClock, recordingLogger } from "../helpers.js";
import {
  type PagesApp,
  type PagesHarness,
  type PagesSpec,
  type RouteAnswer,
  type RouteRequest,
  send,
} from "./pages.js";

const LIFETIMES = "s-maxage=10, stale-while-revalidate=60";

/** Requests until `ready` holds of an answer (each stale one may start the one re-render), bounded in tries. */
async function until(get: () => ReturnType<typeof send>, ready: (body: string) => boolean) {
  for (let attempt = 0; attempt < 500; attempt++) {
    const answer = await get();
    if (ready(answer.body)) return answer;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  throw new Error("the page never changed");
}

/**
 * Sends `count` requests at once, opens `gate` (which holds the render back) once every one of
 * them has reached the cache (each a miss, counted by the engine's `miss` event), and waits for all.
 */
async function concurrently(
  running: PagesApp,
  count: number,
  get: () => ReturnType<typeof send>,
  gate: { resolve(): void },
) {
  let arrived = 0;
  const allArrived = deferred<void>();
  const stop = running.cache.isr.on("miss", () => {
    if (++arrived === count) allArrived.resolve();
  });
  const all = Promise.all(Array.from({ length: count }, () => get()));
  await allArrived.promise;
  stop();
  gate.resolve();
  return all;
}

/** The scenarios every adapter's `isrResponse` passes, over real HTTP on 127.0.0.1. */
export function responseConformance(harness: PagesHarness): void {
  describe(`isrResponse (${harness.name})`, () => {
    let app: PagesApp | undefined;
    afterEach(async () => {
      await app?.close();
      app = undefined;
    });

    const start = async (
      route: (request: RouteRequest, render: number) => RouteAnswer | Promise<RouteAnswer>,
      options: PagesSpec["options"] = {},
    ) => {
      const clock = fakeClock();
      const logger = recordingLogger();
      let renders = 0;
      app = await harness.start({
        options: { now: clock.now, cacheStatus: true, ...options },
        logger,
        route: (request) => route(request, ++renders),
      });
      const running = app;
      return {
        clock,
        logger,
        app: running,
        renders: () => renders,
        get: (path = "/page", headers: Record<string, string> = {}, method = "GET") =>
          send(running.url + path, { method, headers }),
      };
    };

    const versioned = (_request: RouteRequest, render: number): RouteAnswer => ({
      headers: { "cache-control": LIFETIMES, "content-type": "text/plain" },
      body: `v${render}`,
    });

    it("miss → fresh → stale → regenerated, with Age and Cache-Status", async () => {
      const { clock, get, renders } = await start(versioned);
      const miss = await get();
      expect(miss.body).toBe("v1");
      expect(miss.headers["cache-status"]).toBe("isr-plug; fwd=miss");
      // The first client's page is stored once its body is complete: a request meanwhile joins that render.
      await get();
      const fresh = await get();
      expect(fresh.body).toBe("v1");
      expect(fresh.headers.age).toBe("0");
      expect(fresh.headers["cache-status"]).toBe("isr-plug; hit; ttl=10");
      clock.advance(4_000);
      expect((await get()).headers.age).toBe("4");
      clock.advance(7_000); // 11 s: past s-maxage, inside stale-while-revalidate
      const stale = await get();
      expect(stale.body).toBe("v1");
      expect(stale.headers.age).toBe("11");
      expect(stale.headers["cache-status"]).toBe("isr-plug; hit; ttl=-1");
      const regenerated = await until(get, (body) => body === "v2");
      expect(regenerated.headers["cache-status"]).toMatch(/^isr-plug; hit; ttl=(10|9)$/);
      expect(renders()).toBe(2);
      clock.advance(70_001); // past both windows: a miss again
      expect((await get()).body).toBe("v3");
    });

    it("1,000 concurrent requests on a cold page → one render", async () => {
      const gate = deferred<void>();
      const {
        app: running,
        get,
        renders,
      } = await start(async (request, render) => {
        await gate.promise;
        return versioned(request, render);
      });
      const answers = await concurrently(running, 1_000, get, gate);
      expect(answers.filter((answer) => answer.body === "v1")).toHaveLength(1_000);
      expect(renders()).toBe(1);
    });

    describe("never stored", () => {
      const storedNever = async (
        headers: Record<string, string | string[]>,
        options: PagesSpec["options"] = {},
        status = 200,
      ) => {
        const { get, renders } = await start(
          (_request, render) => ({
            status,
            headers: { "cache-control": LIFETIMES, ...headers },
            body: `v${render}`,
          }),
          options,
        );
        expect((await get()).body).toBe("v1");
        const again = await get();
        expect(again.body).toBe("v2");
        expect(again.headers["cache-status"]).toContain("fwd=");
        expect(renders()).toBe(2);
      };

      it("a response setting a cookie", () => storedNever({ "set-cookie": "session=abc" }));
      it("Cache-Control: private", () => storedNever({ "cache-control": "private, s-maxage=10" }));
      it("Cache-Control: no-store", () => storedNever({ "cache-control": "no-store" }));
      it("Cache-Control: no-cache", () => storedNever({ "cache-control": "no-cache" }));
      it("Vary: *", () => storedNever({ vary: "*" }));
      it("a status not listed (302)", () => storedNever({ location: "/elsewhere" }, {}, 302));
      it("a server error (500)", () => storedNever({}, {}, 500));

      it("a body larger than maxBodyBytes, logged once", async () => {
        const { get, renders, logger } = await start(
          (_request, render) => ({
            headers: { "cache-control": LIFETIMES },
            body: `v${render}`.padEnd(100, "."),
          }),
          { maxBodyBytes: 50 },
        );
        expect((await get()).body).toMatch(/^v1\.+$/);
        expect((await get()).body).toMatch(/^v2\.+$/);
        expect((await get()).body).toMatch(/^v3\.+$/);
        expect(renders()).toBe(3);
        const warnings = logger.at("warn").filter((line) => line.message.includes("maxBodyBytes"));
        expect(warnings).toHaveLength(1);
      });

      it("a request carrying Authorization, unless it joins the key", async () => {
        const { get, renders } = await start(versioned);
        expect((await get("/page", { authorization: "Bearer a" })).body).toBe("v1");
        expect((await get("/page", { authorization: "Bearer a" })).body).toBe("v2");
        expect(renders()).toBe(2);
      });

      it("a request carrying a cookie, unless keyCookies says which join the key", async () => {
        const { get, renders } = await start(versioned);
        expect((await get("/page", { cookie: "theme=dark" })).body).toBe("v1");
        expect((await get("/page", { cookie: "theme=dark" })).body).toBe("v2");
        expect(renders()).toBe(2);
      });

      it("a POST: passed through", async () => {
        const { get, renders } = await start(versioned);
        expect((await get("/page", {}, "POST")).body).toBe("v1");
        expect((await get("/page", {}, "POST")).body).toBe("v2");
        expect(renders()).toBe(2);
      });

      it("requests that waited on a render whose response sets a cookie render for themselves", async () => {
        const gate = deferred<void>();
        const {
          app: running,
          get,
          renders,
        } = await start(async (_request, render) => {
          await gate.promise;
          return {
            headers: { "cache-control": LIFETIMES, "set-cookie": `session=${render}` },
            body: `v${render}`,
          };
        });
        const answers = await concurrently(running, 20, get, gate);
        // Each client got its own render and its own cookie: no response crossed to another.
        expect(renders()).toBe(20);
        expect(new Set(answers.map((answer) => answer.headers["set-cookie"]?.[0])).size).toBe(20);
        for (const answer of answers)
          expect(answer.headers["set-cookie"]?.[0]).toBe(`session=${answer.body.slice(1)}`);
      });
    });

    it("keyHeaders with authorization: a page per credential", async () => {
      const { get, renders } = await start(versioned, { keyHeaders: ["authorization"] });
      expect((await get("/page", { authorization: "Bearer a" })).body).toBe("v1");
      expect((await get("/page", { authorization: "Bearer a" })).body).toBe("v1");
      expect((await get("/page", { authorization: "Bearer b" })).body).toBe("v2");
      expect((await get("/page")).body).toBe("v3");
      expect(renders()).toBe(3);
    });

    it("keyCookies: the listed cookies join the key, others are ignored", async () => {
      const { get, renders } = await start(versioned, { keyCookies: ["theme"] });
      expect((await get("/page", { cookie: "theme=dark; id=1" })).body).toBe("v1");
      expect((await get("/page", { cookie: "theme=dark; id=2" })).body).toBe("v1");
      expect((await get("/page", { cookie: "theme=light" })).body).toBe("v2");
      expect(renders()).toBe(2);
    });

    it("Vary: the listed request headers join the key", async () => {
      const { get, renders } = await start((request, render) => ({
        headers: { "cache-control": LIFETIMES, vary: "Accept-Language" },
        body: `v${render} ${request.header("accept-language")}`,
      }));
      expect((await get("/page", { "accept-language": "fr" })).body).toBe("v1 fr");
      expect((await get("/page", { "accept-language": "de" })).body).toBe("v2 de");
      expect((await get("/page", { "accept-language": "fr" })).body).toBe("v1 fr");
      expect((await get("/page", { "accept-language": "de" })).body).toBe("v2 de");
      expect(renders()).toBe(2);
    });

    it("GET and HEAD share an entry: HEAD is served from it without a body, and a cold HEAD renders a GET", async () => {
      const { get, renders } = await start(versioned);
      const head = await get("/page", {}, "HEAD");
      expect(head.status).toBe(200);
      expect(head.body).toBe("");
      const hit = await get();
      expect(hit.body).toBe("v1");
      expect(hit.headers["cache-status"]).toBe("isr-plug; hit; ttl=10");
      const again = await get("/page", {}, "HEAD");
      expect(again.body).toBe("");
      expect(again.headers["content-length"]).toBe("2");
      expect(renders()).toBe(1);
    });

    it("If-None-Match → 304, with a weak ETag when the route set none", async () => {
      const { get } = await start(versioned);
      await get();
      const hit = await get();
      const etag = hit.headers.etag as string;
      expect(etag).toMatch(/^W\/"/);
      const notModified = await get("/page", { "if-none-match": etag });
      expect(notModified.status).toBe(304);
      expect(notModified.body).toBe("");
      expect(notModified.headers.etag).toBe(etag);
      expect((await get("/page", { "if-none-match": '"other"' })).status).toBe(200);
    });

    it("a compressed body is stored as bytes, with its Content-Encoding; Vary: Accept-Encoding keeps variants apart", async () => {
      const { get, renders } = await start((request, render) => {
        const text = `v${render} `.repeat(50);
        const gzip = request.header("accept-encoding")?.includes("gzip") === true;
        return {
          headers: {
            "cache-control": LIFETIMES,
            vary: "Accept-Encoding",
            ...(gzip ? { "content-encoding": "gzip" } : {}),
          },
          body: gzip ? gzipSync(text) : text,
        };
      });
      const compressed = await get("/page", { "accept-encoding": "gzip" });
      const plain = await get("/page", { "accept-encoding": "identity" });
      expect(plain.body).toBe("v2 ".repeat(50));
      const hit = await get("/page", { "accept-encoding": "gzip" });
      expect(hit.headers["content-encoding"]).toBe("gzip");
      expect(hit.headers["cache-status"]).toBe("isr-plug; hit; ttl=10");
      expect(gunzipSync(hit.raw).toString()).toBe("v1 ".repeat(50));
      expect(hit.raw.equals(compressed.raw)).toBe(true);
      const plainHit = await get("/page", { "accept-encoding": "identity" });
      expect(plainHit.headers["content-encoding"]).toBeUndefined();
      expect(plainHit.body).toBe("v2 ".repeat(50));
      expect(renders()).toBe(2);
    });

    it("the route's ETag is kept and compared weakly", async () => {
      const { get } = await start((_request, render) => ({
        headers: { "cache-control": LIFETIMES, etag: '"abc"' },
        body: `v${render}`,
      }));
      await get();
      expect((await get("/page", { "if-none-match": 'W/"abc"' })).status).toBe(304);
    });

    it("a streamed response reaches its first client before it ends, and is stored once complete", async () => {
      const second = deferred<void>();
      const { get, renders } = await start(() => ({
        headers: { "cache-control": LIFETIMES, "content-type": "text/plain" },
        chunks: [{ text: "first " }, { text: "second", before: second.promise }],
      }));
      let first!: Promise<string>;
      const streamed = send(`${app?.url}/page`, {}, (arrived) => {
        first = arrived;
      });
      // The first chunk arrives while the route still holds the second one back.
      await expect.poll(() => first !== undefined).toBe(true);
      expect(await first).toBe("first ");
      second.resolve();
      expect((await streamed).body).toBe("first second");
      // Joins the render if it is still being stored, else a hit.
      expect((await get()).body).toBe("first second");
      const hit = await get();
      expect(hit.body).toBe("first second");
      expect(hit.headers["cache-status"]).toBe("isr-plug; hit; ttl=10");
      expect(hit.headers["content-length"]).toBe("12");
      expect(renders()).toBe(1);
    });

    it("revalidatePath: soft, every variant of the path (query included) re-rendered in the background", async () => {
      const { get, app: running, renders } = await start(versioned);
      await get("/page?a=1");
      expect((await get("/page?a=1")).body).toBe("v1");
      await running.cache.revalidatePath("/page");
      const stale = await get("/page?a=1");
      expect(stale.body).toBe("v1");
      expect(stale.headers["cache-status"]).toBe("isr-plug; hit; detail=invalidated");
      await until(
        () => get("/page?a=1"),
        (body) => body === "v2",
      );
      expect(renders()).toBe(2);
    });

    it("invalidatePath hard: the next request is a miss", async () => {
      const { get, app: running } = await start(versioned);
      await get();
      await running.cache.invalidatePath("/page", { mode: "hard" });
      const miss = await get();
      expect(miss.body).toBe("v2");
      expect(miss.headers["cache-status"]).toBe("isr-plug; fwd=miss");
      // Other paths are untouched.
    });

    it("invalidateTag: the route's Cache-Tag, soft and hard", async () => {
      const { get, app: running } = await start((_request, render) => ({
        headers: { "cache-control": LIFETIMES, "cache-tag": "posts, post-1" },
        body: `v${render}`,
      }));
      await get();
      // Joins the first render if it is still being stored: an invalidation must come after it.
      await get();
      await running.cache.invalidateTag("post-1", { mode: "soft" });
      expect((await get()).body).toBe("v1");
      await until(get, (body) => body === "v2");
      await running.cache.invalidateTag("posts");
      expect((await get()).body).toBe("v3");
    });
  });
}

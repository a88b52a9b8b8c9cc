import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, expect, it, vi } from "vitest";
import { createIsr, DEFAULTS } from "../../src/index.js";
import { KeySpace } from "../../src/stores/redis/keys.js";
import { countingFetch } from "../helpers.js";
import { CLIENT_KINDS } from "./clients.js";
import { describeRedis, type RedisServer, startRedis } from "./redis-server.js";
import { clientStoreFactory } from "./stores.js";

type Page = { path: string; n: number };

for (const kind of CLIENT_KINDS) {
  describeRedis(`tag invalidation across a fleet on Redis (${kind})`, () => {
    let server: RedisServer;
    const stores = clientStoreFactory(kind);
    beforeAll(async () => {
      server = await startRedis();
    });
    afterEach(() => stores.closeAll());
    afterAll(() => server.stop());

    /** One "process": its own client, store and engine on a shared prefix and namespace. */
    async function processOn(prefix: string, commandTimeoutMs?: number) {
      const timeout = commandTimeoutMs === undefined ? {} : { commandTimeoutMs };
      const { store } = await stores.open(server, { prefix, ...timeout });
      const source = countingFetch((n) => n);
      const isr = createIsr<Page, string>({
        fetch: (path) => ({ path, n: source.fetch() as number }),
        tags: (page) => [`page:${page.path}`, "pages"],
        namespace: "pages",
        store,
      });
      return { store, isr, source };
    }

    it("a hard invalidation on one process makes the entry a miss on another", async () => {
      const prefix = stores.prefix();
      const a = await processOn(prefix);
      const b = await processOn(prefix);
      await b.isr.get("/pricing", "/pricing");
      expect((await b.isr.get("/pricing", "/pricing")).state).toBe("fresh");
      await a.isr.invalidateTag("page:/pricing");
      await vi.waitFor(async () => expect((await b.isr.get("/pricing", "/pricing")).state).toBe("miss"));
      expect((await b.isr.get("/pricing", "/pricing")).state).toBe("fresh");
    });

    it("a soft invalidation makes it stale everywhere: served while one refresh runs", async () => {
      const prefix = stores.prefix();
      const a = await processOn(prefix);
      const b = await processOn(prefix);
      await b.isr.get("/", "/");
      await a.isr.invalidateTag("pages", { mode: "soft" });
      await vi.waitFor(async () => expect((await b.isr.get("/", "/")).state).not.toBe("fresh"));
      await vi.waitFor(async () => expect((await b.isr.get("/", "/")).state).toBe("fresh"));
      expect(b.source.calls).toBe(2);
    });

    it("a process that starts after the invalidation learns it from Redis", async () => {
      const prefix = stores.prefix();
      const a = await processOn(prefix);
      await a.isr.get("/about", "/about"); // stored in Redis before the invalidation
      await a.isr.invalidateTag("page:/about");
      const late = await processOn(prefix);
      await vi.waitFor(async () => expect((await late.isr.get("/about", "/about")).state).toBe("miss"));
      expect(late.source.calls).toBe(1);
    });

    it("two engines of one process on one store share tag invalidations too", async () => {
      const prefix = stores.prefix();
      const { store } = await stores.open(server, { prefix });
      const make = () =>
        createIsr<string, string>({ fetch: (k) => k, tags: () => ["t"], namespace: "shared", store });
      const first = make();
      const second = make();
      await second.get("k", "k");
      await first.invalidateTag("t");
      expect((await second.get("k", "k")).state).toBe("miss");
    });

    it("keeps its Redis record bounded: the oldest invalidations fold into a floor, never lost", async () => {
      const prefix = stores.prefix();
      // A burst of 1 005 scripts: node-redis sends them more slowly than ioredis and, on a loaded
      // 2-core machine, past the 50 ms default timeout (each would fail open, and the breaker
      // would then skip Redis). The bound on the record is what this checks, so node-redis
      // gets them 100 at a time, with a timeout that a stalled machine cannot miss.
      const slow = kind.startsWith("node-redis");
      const a = await processOn(prefix, slow ? 1_000 : undefined);
      await a.isr.get("/old", "/old"); // tagged page:/old, stored before every invalidation below
      await a.isr.invalidateTag("page:/old");
      const fillers = Array.from({ length: DEFAULTS.maxTags + 5 }, (_, i) => `filler-${i}`);
      const burst = slow ? 100 : fillers.length;
      for (let i = 0; i < fillers.length; i += burst) {
        await Promise.all(fillers.slice(i, i + burst).map((tag) => a.isr.invalidateTag(tag)));
      }
      const keys = new KeySpace(prefix);
      const admin = new Redis(server.port, "127.0.0.1");
      try {
        expect(await admin.zcard(keys.tagLog)).toBe(DEFAULTS.maxTags);
        expect(await admin.hgetall(keys.tagFloors)).toEqual({ '["pages","hard"]': expect.any(String) });
      } finally {
        admin.disconnect();
      }
      const late = await processOn(prefix);
      await vi.waitFor(async () => expect((await late.isr.get("/old", "/old")).state).toBe("miss"));
    }, 30_000);

    it("rejects when Redis cannot be told, after invalidating locally", async () => {
      const prefix = stores.prefix();
      const a = await processOn(prefix);
      await a.isr.get("/x", "/x");
      await server.kill();
      try {
        await expect(a.isr.invalidateTag("page:/x")).rejects.toMatchObject({ code: "ISR_REDIS_UNAVAILABLE" });
        // This process applied it all the same: its copy is not served again.
        expect((await a.isr.get("/x", "/x")).state).toBe("miss");
      } finally {
        await server.start();
      }
    });
  });
}

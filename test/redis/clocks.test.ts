import { expect, it, vi } from "vitest";
import { KeySpace } from "../../src/stores/redis/keys.js";
import { fakeClock } from "../helpers.js";
import { FaultProxy } from "./fault-proxy.js";
import { onServer, restartEmpty } from "./faults.js";
import { openProcess } from "./fleet-process.js";
import { describeRedis, startRedis } from "./redis-server.js";
import { useRedisServer } from "./stores.js";

const HOUR = 3_600_000;

/**
 * Issue 11, item 4: invalidations are ordered against entries by the fleet's sequence, never
 * by clocks, so one skewed process shifts nothing for the others; and the sequence never goes
 * back below a number the fleet has used, even when Redis loses it.
 */
describeRedis("fleet clocks and the invalidation sequence", () => {
  const redis = useRedisServer();
  const { stores } = redis;

  it("a process 2 s or 1 h ahead invalidating an unrelated tag moves no entry of a correct process", async () => {
    const prefix = stores.prefix();
    const clock = fakeClock(Date.now());
    const correct = await openProcess(
      stores,
      redis.server.port,
      { prefix, now: clock.now },
      { ttlMs: 400, now: clock.now },
    );
    for (const ahead of [2_000, HOUR]) {
      const skewed = () => clock.now() + ahead;
      const other = await openProcess(
        stores,
        redis.server.port,
        { prefix, now: skewed },
        { ttlMs: 400, now: skewed },
      );
      const path = `/page-${ahead}`;
      await correct.isr.get(path, path);
      await other.isr.invalidateTag("unrelated");
      clock.advance(1_000);
      // 1 s old with a 400 ms ttl: stale, and its age is its age.
      expect(await correct.isr.get(path, path)).toMatchObject({ state: "stale", ageMs: 1_000 });
      // And it is refreshed: the fleet has not stopped refreshing.
      await vi.waitFor(async () => expect((await correct.isr.get(path, path)).state).toBe("fresh"));
      expect(correct.fetches).toBe(ahead === HOUR ? 4 : 2);
    }
  });

  it("an invalidation from a process 1 h behind hits an entry stamped by a process 1 h ahead", async () => {
    const prefix = stores.prefix();
    const ahead = () => Date.now() + HOUR;
    const behind = () => Date.now() - HOUR;
    const fetcher = await openProcess(stores, redis.server.port, { prefix, now: ahead }, { now: ahead });
    const invalidator = await openProcess(
      stores,
      redis.server.port,
      { prefix, now: behind },
      { now: behind },
    );
    const bystander = await openProcess(stores, redis.server.port, { prefix });
    await fetcher.isr.get("/p", "/p");
    expect((await bystander.isr.get("/p", "/p")).state).toBe("fresh");
    await invalidator.isr.invalidateTag("page:/p");
    for (const process of [fetcher, bystander]) {
      await vi.waitFor(async () => expect((await process.isr.get("/p", "/p")).state).toBe("miss"));
    }
  });

  it("Redis restarted empty with a clock behind: the sequence is raised above every number heard, so a new invalidation still hits older entries", async () => {
    const own = await startRedis();
    const faults = await FaultProxy.start(own.port);
    try {
      const prefix = stores.prefix();
      const keys = new KeySpace(prefix);
      const b = await openProcess(stores, faults.port, { prefix });
      await b.isr.invalidateTag("warm-up"); // b has heard a number seeded from Redis's clock (µs)
      const heard = Number(await onServer(own, (admin) => admin.get(keys.tagSeq)));
      expect(heard).toBeGreaterThan(1e12);
      // B is cut off; Redis loses everything and starts its sequence from a clock far behind.
      faults.refuse(true);
      faults.reset("all");
      await restartEmpty(own);
      await onServer(own, async (admin) => {
        await admin.set(keys.tagSeq, "5");
        await admin.set(keys.tagEpoch, "5");
      });
      faults.refuse(false);
      await vi.waitFor(() => expect(b.store.available).toBe(true), { timeout: 5_000 });
      expect(b.logged("warn", "the fleet's tag-invalidation sequence went back")).toBe(1);
      expect(Number(await onServer(own, (admin) => admin.get(keys.tagSeq)))).toBeGreaterThan(heard);
      // B fetches a page (stamped with what it has heard), then a process that heard nothing
      // invalidates its tag: the invalidation is numbered above the stamp, and B applies it.
      await b.isr.get("/k", "/k");
      expect((await b.isr.get("/k", "/k")).state).toBe("fresh");
      const late = await openProcess(stores, own.port, { prefix });
      await late.isr.invalidateTag("page:/k");
      await vi.waitFor(async () => expect((await b.isr.get("/k", "/k")).state).toBe("miss"));
    } finally {
      await stores.closeAll();
      await faults.close();
      await own.stop();
    }
  });

  it("Redis loses its sequence while everyone stays connected: an invalidation numbered below an entry's stamp still hits it", async () => {
    const own = await startRedis();
    try {
      const prefix = stores.prefix();
      const keys = new KeySpace(prefix);
      const b = await openProcess(stores, own.port, { prefix });
      await b.isr.invalidateTag("warm-up");
      await b.isr.get("/k", "/k"); // stamped with the number B has heard, in Redis and in B
      expect((await b.isr.get("/k", "/k")).state).toBe("fresh");
      // Redis loses the tag record and its sequence (an eviction, an operator), and the
      // sequence starts again from a clock far behind.
      await onServer(own, async (admin) => {
        await admin.del(keys.tagLog);
        await admin.set(keys.tagSeq, "5");
        await admin.set(keys.tagEpoch, "5");
      });
      // A process that heard nothing before invalidates B's page: number 6.
      const late = await openProcess(stores, own.port, { prefix });
      await late.isr.invalidateTag("page:/k");
      // The announcement comes out of order for B: applied as newer than its entries, and the
      // sequence is raised above what B heard (at once: B reads the record again on hearing it).
      await vi.waitFor(async () => expect((await b.isr.get("/k", "/k")).state).toBe("miss"));
      await vi.waitFor(() =>
        expect(b.logged("warn", "the fleet's tag-invalidation sequence went back")).toBe(1),
      );
      await late.isr.invalidateTag("page:/k");
      expect(Number(await onServer(own, (admin) => admin.get(keys.tagSeq)))).toBeGreaterThan(1e12);
    } finally {
      await stores.closeAll();
      await own.stop();
    }
  });
  it("a tag invalidated while Redis could not be told is numbered by the process alone; the fleet's sequence is raised above that number before its entries are shared", async () => {
    const prefix = stores.prefix();
    const faults = await FaultProxy.start(redis.server.port);
    try {
      const a = await openProcess(stores, redis.server.port, { prefix });
      const b = await openProcess(stores, faults.port, { prefix });
      await b.isr.invalidateTag("warm-up");
      // B's command connection is lost (its pub/sub connection is not: no resync follows).
      faults.refuse(true);
      faults.reset("command");
      // Once B knows the connection is gone, its invalidation is not sent at all (a command sent
      // on the dying socket would be replayed by ioredis after the reconnection).
      await vi.waitFor(() => expect(b.store.available).toBe(false));
      await expect(b.isr.invalidateTag("page:/other")).rejects.toMatchObject({
        code: "ISR_REDIS_UNAVAILABLE",
      });
      faults.refuse(false);
      await vi.waitFor(() => expect(b.store.available).toBe(true), { timeout: 5_000 });
      // B's next fetch is stamped after its own number; then A invalidates that page.
      await b.isr.get("/k", "/k");
      await a.isr.invalidateTag("page:/k");
      expect((await a.isr.get("/k", "/k")).state).toBe("miss");
      await vi.waitFor(async () => expect((await b.isr.get("/k", "/k")).value.by).toBe(a.name));
    } finally {
      await stores.closeAll();
      await faults.close();
    }
  });
  it("a process that invalidates after Redis lost its sequence numbers its invalidation above everything it heard", async () => {
    const own = await startRedis();
    try {
      const prefix = stores.prefix();
      const keys = new KeySpace(prefix);
      const b = await openProcess(stores, own.port, { prefix });
      await b.isr.invalidateTag("warm-up");
      await b.isr.get("/k", "/k"); // stamped with the number B has heard
      await onServer(own, async (admin) => {
        await admin.del(keys.tagLog);
        await admin.set(keys.tagSeq, "5");
      });
      // B itself invalidates the page: its own invalidation must not be numbered 6.
      await b.isr.invalidateTag("page:/k");
      expect((await b.isr.get("/k", "/k")).state).toBe("miss");
    } finally {
      await stores.closeAll();
      await own.stop();
    }
  });
  it("records applied as newer after a restart are numbers of the process's own: the sequence is raised above them before its entries are shared", async () => {
    const own = await startRedis();
    const faults = await FaultProxy.start(own.port);
    try {
      const prefix = stores.prefix();
      const keys = new KeySpace(prefix);
      const b = await openProcess(stores, faults.port, { prefix });
      await b.isr.invalidateTag("warm-up");
      const heard = Number(await onServer(own, (admin) => admin.get(keys.tagSeq)));
      faults.refuse(true);
      faults.reset("all");
      await vi.waitFor(() => expect(b.store.available).toBe(false));
      // Redis restarts empty, its sequence seeded low; a process that heard nothing invalidates
      // B's page (number 6); then the sequence climbs back to what B heard.
      await restartEmpty(own);
      await onServer(own, async (admin) => {
        await admin.set(keys.tagSeq, "5");
        await admin.set(keys.tagEpoch, "5");
      });
      const late = await openProcess(stores, own.port, { prefix });
      await late.isr.invalidateTag("page:/k");
      await onServer(own, (admin) => admin.set(keys.tagSeq, String(heard)));
      // B comes back: it applies the record numbered 6 as newer than everything it heard.
      faults.refuse(false);
      await vi.waitFor(() => expect(b.store.available).toBe(true), { timeout: 5_000 });
      // B's next fetch is stamped with that number of its own; the late process invalidates
      // the page again: the fleet must number it above B's stamp.
      await b.isr.get("/k", "/k");
      await late.isr.invalidateTag("page:/k");
      // Once B hears it, its page is fetched anew.
      await vi.waitFor(async () => {
        await b.isr.get("/k", "/k");
        expect(b.fetches).toBe(2);
      });
    } finally {
      await stores.closeAll();
      await faults.close();
      await own.stop();
    }
  });
});

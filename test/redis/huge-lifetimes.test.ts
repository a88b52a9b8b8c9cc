import { expect, it } from "vitest";
import { createIsr } from "../../src/index.js";
import { describeRedis } from "./redis-server.js";
import { useRedisServer } from "./stores.js";

// Redis refuses a PX it cannot hold (1e300 prints as "1e+300"): the write failed, and the older
// value stayed in Redis, served as fresh by every process, the one that revalidated included.
describeRedis("lifetimes longer than Redis can hold as a number", () => {
  const redis = useRedisServer();
  const { stores } = redis;

  it("a value with a huge lifetime is written, and supersedes the older one in every process", async () => {
    const prefix = stores.prefix();
    const a = await stores.open(redis.server, { prefix });
    const b = await stores.open(redis.server, { prefix });
    let version = 0;
    let huge = false;
    const fetch = (_key: string, ctx: { setTtl(ttls: { ttlMs?: number; staleTtlMs?: number }): void }) => {
      version++;
      if (huge) ctx.setTtl({ ttlMs: 1, staleTtlMs: 1e300 });
      return `v${version}`;
    };
    // Quiet: closing aborts the background refresh the stale reads start, which is logged.
    const quiet = { debug() {}, info() {}, warn() {}, error() {} };
    const here = createIsr<string, string>({
      fetch,
      store: a.store,
      namespace: "huge",
      ttlMs: 60_000,
      logger: quiet,
    });
    const there = createIsr<string, string>({
      fetch,
      store: b.store,
      namespace: "huge",
      ttlMs: 60_000,
      logger: quiet,
    });
    expect((await here.get("k", "k")).value).toBe("v1");
    huge = true;
    expect(await here.revalidate("k", "k")).toBe("v2");
    expect(a.store.stats().writes.failed).toBe(0);
    // v2 was fresh for 1 ms: it is served stale now, never v1.
    expect((await there.get("k", "k")).value).toBe("v2");
    expect((await here.get("k", "k")).value).toBe("v2");
    await Promise.all([here.close(), there.close()]);
  });

  it("an engine whose staleTtlMs is Number.MAX_VALUE shares its entries through Redis", async () => {
    const prefix = stores.prefix();
    const a = await stores.open(redis.server, { prefix });
    const b = await stores.open(redis.server, { prefix });
    let fetches = 0;
    const options = {
      fetch: () => `v${++fetches}`,
      namespace: "max",
      staleTtlMs: Number.MAX_VALUE,
    };
    const here = createIsr<string, string>({ ...options, store: a.store });
    const there = createIsr<string, string>({ ...options, store: b.store });
    await here.get("k", "k");
    expect(await there.get("k", "k")).toMatchObject({ value: "v1", state: "fresh" });
    expect(fetches).toBe(1);
    expect(a.store.stats().writes.failed).toBe(0);
    await Promise.all([here.close(), there.close()]);
  });
});

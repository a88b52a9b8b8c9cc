import { expect, it, vi } from "vitest";
import { createIsr } from "../../src/index.js";
import type { WriteFailure } from "../../src/stores/redis.js";
import { deferred } from "../helpers.js";
import { fillMemory } from "./faults.js";
import { describeRedis } from "./redis-server.js";
import { useRedisServer } from "./stores.js";

// Issue 11, item 7, the other path: the lease was taken while Redis took writes, and the
// value's write is the one refused (Redis filled up during the fetch). It is reported too.
describeRedis("a value write Redis refuses after the lease was taken", () => {
  const redis = useRedisServer();
  const { stores } = redis;

  it("is counted, emitted, makes the store unavailable, and the value is still served", async () => {
    const { store } = await stores.open(redis.server, { prefix: stores.prefix() });
    const failures: WriteFailure[] = [];
    store.on("writeFailed", (failure) => failures.push(failure));
    const gate = deferred<string>();
    let fetching = false;
    const isr = createIsr<string, string>({
      fetch: async () => {
        fetching = true;
        return gate.promise;
      },
      store,
      namespace: "refused",
    });
    const answer = isr.get("k", "k");
    // The fetch runs under its lease; then Redis stops taking writes.
    await vi.waitFor(() => expect(fetching).toBe(true));
    const restore = await fillMemory(redis.server);
    try {
      gate.resolve("v");
      expect(await answer).toMatchObject({ value: "v", state: "miss" });
      await vi.waitFor(() => expect(failures.length).toBeGreaterThanOrEqual(1));
      expect(String((failures[0] as WriteFailure).error)).toMatch(/OOM/);
      expect(store.stats().writes.failed).toBe(failures.length);
      expect(store.available).toBe(false);
    } finally {
      await restore();
      await isr.close();
    }
  });
});

import { afterAll, afterEach, beforeAll, expect, it, vi } from "vitest";
import { createIsr } from "../../src/index.js";
import { deferred } from "../helpers.js";
import { CLIENT_KINDS } from "./clients.js";
import { describeRedis, type RedisServer, startRedis } from "./redis-server.js";
import { clientStoreFactory } from "./stores.js";

for (const kind of CLIENT_KINDS) {
  describeRedis(`an invalidation from another process reaches a fetch running here (${kind})`, () => {
    let server: RedisServer;
    const stores = clientStoreFactory(kind);
    beforeAll(async () => {
      server = await startRedis();
    });
    afterEach(() => stores.closeAll());
    afterAll(() => server?.stop());

    it("requests that come after it start a new fetch; the running one answers only those before", async () => {
      const prefix = stores.prefix();
      const here = await stores.open(server, { prefix });
      const there = await stores.open(server, { prefix });
      const gates = [deferred<string>(), deferred<string>()];
      let calls = 0;
      const fetching = createIsr<string>({
        fetch: () => (gates[calls++] as (typeof gates)[number]).promise,
        store: here.store,
        namespace: "pages",
      });
      const invalidating = createIsr<string>({
        fetch: () => "unused",
        store: there.store,
        namespace: "pages",
      });
      const before = fetching.get("k");
      await vi.waitFor(() => expect(calls).toBe(1));
      const heard = new Promise<void>((resolve) => {
        const stop = here.store.onInvalidate((key) => {
          if (key?.endsWith("sk") === true) {
            stop();
            resolve();
          }
        });
      });
      await invalidating.invalidate("k");
      // Once the announcement has crossed Redis, a new request does not join the old fetch.
      await heard;
      const after = fetching.get("k");
      await vi.waitFor(() => expect(calls).toBe(2));
      gates[1]?.resolve("new");
      expect((await after).value).toBe("new");
      gates[0]?.resolve("old");
      expect((await before).value).toBe("old");
      await vi.waitFor(async () => expect(await fetching.get("k")).toMatchObject({ value: "new" }));
      await Promise.all([fetching.close(), invalidating.close()]);
    });
  });
}

import { afterAll, afterEach, beforeAll, expect, it, vi } from "vitest";
import { createIsr } from "../../src/index.js";
import { countingFetch, recordingLogger } from "../helpers.js";
import { CLIENT_KINDS } from "./clients.js";
import { FaultProxy } from "./fault-proxy.js";
import { describeRedis, type RedisServer, startRedis } from "./redis-server.js";
import { clientStoreFactory } from "./stores.js";

/**
 * The pub/sub heartbeat on every supported client: it must be a real round trip on the
 * subscriber connection (node-redis sends nothing when asked to subscribe to a channel it is
 * subscribed to already, so there it is an UNSUBSCRIBE of a channel never joined).
 */
for (const kind of CLIENT_KINDS) {
  describeRedis(`pub/sub heartbeat (${kind})`, () => {
    let server: RedisServer;
    let faults: FaultProxy | undefined;
    const stores = clientStoreFactory(kind);
    beforeAll(async () => {
      server = await startRedis();
    });
    afterEach(async () => {
      await stores.closeAll();
      await faults?.close();
    });
    afterAll(() => server?.stop());

    it("a pub/sub connection dead without FIN or RST is found: the copy stops being served, the connection is replaced", async () => {
      const prefix = stores.prefix();
      faults = await FaultProxy.start(server.port);
      const logger = recordingLogger();
      const a = await stores.open(server, { prefix, commandTimeoutMs: 1_000 });
      const b = await stores.open(faults.port, { prefix, heartbeatMs: 50, commandTimeoutMs: 1_000, logger });
      const source = countingFetch((n) => n);
      const onA = createIsr({ namespace: "pages", fetch: source.fetch, store: a.store });
      const onB = createIsr({ namespace: "pages", fetch: source.fetch, store: b.store });
      const first = await onB.get("/p");
      expect((await onB.get("/p")).state).toBe("fresh");
      expect(faults.killSilently("pubsub")).toBe(1);
      await onA.invalidate("/p");
      // The announcement never reaches B: only its heartbeat can tell it to stop trusting the copy.
      await vi.waitFor(async () => expect((await onB.get("/p")).value).not.toBe(first.value), {
        timeout: 10_000,
        interval: 20,
      });
      const silent = logger.at("warn").filter((line) => line.message.includes("went silent"));
      expect(silent).toHaveLength(1);
      await vi.waitFor(() => expect(b.store.available).toBe(true), { timeout: 5_000 });
      expect(faults.live("pubsub")).toBe(1);
      await Promise.all([onA.close(), onB.close()]);
    });
  });
}

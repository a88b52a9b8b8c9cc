import { afterAll, beforeAll, expect, it } from "vitest";
import { CLIENT_KINDS } from "./clients.js";
import { type FleetWorker, fleetFetches, spawnFleet } from "./fleet-harness.js";
import type { BurstResult, FleetValue } from "./fleet-protocol.js";
import { describeRedis, type RedisServer, sleep, startRedis } from "./redis-server.js";

const PER_PROCESS = 50;

const values = (results: BurstResult[][]) =>
  results.flat().map((result) => {
    if (!result.ok) throw new Error(`a request failed: ${result.error}`);
    return result;
  });

/**
 * Four real processes (child_process.fork) on one real redis-server. The fetch counts are
 * exact; nothing here asserts a duration (scripts/fleet-figures measures them).
 */
// Four processes per client take ~12 s: node-redis 5 is left to the in-process suites
// (conformance, announcements, tags, fail-open, heartbeat, cluster), which share its adapter.
for (const kind of CLIENT_KINDS.filter((each) => each !== "node-redis 5")) {
  describeRedis(`fleet of 4 processes on Redis (${kind})`, () => {
    let server: RedisServer;
    let fleet: FleetWorker[] = [];
    const init = () => ({
      port: server.port,
      prefix: "fleet:",
      // ioredis 5 as before (with its socketTimeout where a test sets one); the others by kind.
      ...(kind === "ioredis 5" ? {} : { client: kind }),
      fetchDelayMs: 20,
      // Generous command timeout: on a loaded 2-core CI box a false timeout would fail open
      // into a second fetch, which is right for production but not for exact counts.
      store: { leaseMs: 1_000, commandTimeoutMs: 1_000 },
      engines: { main: { ttlMs: 10_000, staleTtlMs: 600_000 }, short: { ttlMs: 150, staleTtlMs: 1_000 } },
    });

    beforeAll(async () => {
      server = await startRedis();
      fleet = await spawnFleet(4, init());
    }, 60_000);
    afterAll(async () => {
      await Promise.all(fleet.map((worker) => worker.close()));
      await server?.stop();
    }, 30_000);

    it("cold key: 4 × 50 concurrent requests make exactly 1 fetch fleet-wide", async () => {
      await Promise.all(fleet.map((worker) => worker.mode("cold", "gate")));
      const started = Promise.race(fleet.map((worker) => worker.next((e) => e.event === "fetch-started")));
      const issued = Promise.all(fleet.map((worker) => worker.next((e) => e.event === "burst-issued")));
      const bursts = Promise.all(fleet.map((worker) => worker.burst("cold", PER_PROCESS)));
      await Promise.all([started, issued]);
      await sleep(100); // let every process reach the lease and start waiting
      await Promise.all(fleet.map((worker) => worker.release("cold")));
      const results = values(await bursts);
      expect(results).toHaveLength(4 * PER_PROCESS);
      expect(new Set(results.map((result) => JSON.stringify(result.value))).size).toBe(1);
      expect(results.every((result) => result.state === "miss")).toBe(true);
      expect(await fleetFetches(fleet, "cold")).toBe(1);
    });

    it("stale key: exactly 1 refresh fleet-wide, and every request is served stale at once", async () => {
      await Promise.all(fleet.map((worker) => worker.mode("cold", "gate")));
      await Promise.all(fleet.map((worker) => worker.advance(10_000)));
      const refreshStarted = Promise.race(
        fleet.map((worker) => worker.next((e) => e.event === "fetch-started")),
      );
      // The refresh is held at the origin until released below, so these answers cannot have waited for it.
      const results = values(await Promise.all(fleet.map((worker) => worker.burst("cold", PER_PROCESS))));
      expect(results).toHaveLength(4 * PER_PROCESS);
      expect(
        results.every((result) => result.state === "stale" && (result.value as FleetValue).n === 1),
      ).toBe(true);
      const refresher = await refreshStarted;
      await sleep(100); // every process has tried to refresh by now
      await Promise.all(fleet.map((worker) => worker.release("cold")));
      for (const worker of fleet) {
        await expect.poll(async () => (await worker.get("cold")).state, { timeout: 5_000 }).toBe("fresh");
      }
      const fresh = await Promise.all(fleet.map((worker) => worker.get("cold")));
      expect(fresh.every(({ value }) => (value as FleetValue).worker === refresher.worker)).toBe(true);
      expect(await fleetFetches(fleet, "cold")).toBe(2); // the cold fetch, then one refresh
    });

    it("invalidate on one process: the next get on another is a miss", async () => {
      const [a, b] = fleet as [FleetWorker, FleetWorker];
      await a.get("inv");
      expect((await b.get("inv")).state).toBe("fresh");
      expect((await b.get("inv")).state).toBe("fresh"); // now from b's local tier
      await a.invalidate("inv");
      // Propagation is asynchronous (pub/sub, typically well under a millisecond; measured by
      // fleet-figures): wait for the announcement to reach b, not for some amount of time.
      const heard = async () =>
        (await b.stats()).drops.some((drop) => drop.key.endsWith("sinv") && drop.change === "delete");
      await expect.poll(heard, { timeout: 5_000, interval: 5 }).toBe(true);
      expect((await b.get("inv")).state).toBe("miss");
    });

    it("Redis killed under load: no failed or hung request, and the fleet recovers after a restart", async () => {
      const keys = Array.from({ length: 20 }, (_, i) => `load${i}`);
      const loads = fleet.map((worker) => worker.load(keys, 4, 3_000, "short"));
      await sleep(500);
      await server.kill();
      await sleep(1_000);
      await server.start();
      await sleep(1_500);
      await Promise.all(fleet.map((worker) => worker.stopLoad()));
      const stats = await Promise.all(loads);
      for (const stat of stats) {
        expect(stat.total).toBeGreaterThan(100);
        expect(stat.errors).toEqual([]);
        expect(stat.failed).toBe(0);
        expect(stat.hung).toBe(0);
      }
      for (const worker of fleet) await expect.poll(async () => (await worker.stats()).available).toBe(true);
      const after = await Promise.all(fleet.map((worker) => worker.stats()));
      for (const { logs } of after) {
        expect(
          logs[
            "error: [isr-plug] redis unavailable; serving from the local tier and fetching from the origin until it is back"
          ],
        ).toBe(1);
        expect(logs["warn: [isr-plug] redis is back; the fleet shares entries and fetches again"]).toBe(1);
      }
      // Recovered: leases work again, one fetch for a cold key across the fleet.
      const results = values(
        await Promise.all(fleet.map((worker) => worker.burst("after-restart", PER_PROCESS))),
      );
      expect(results.every((result) => result.state === "miss")).toBe(true);
      expect(await fleetFetches(fleet, "after-restart")).toBe(1);
    }, 30_000);

    it("lease owner killed mid-fetch: another process takes over within the lease", async () => {
      const [owner, ...others] = fleet as [FleetWorker, ...FleetWorker[]];
      await owner.mode("crash", "hang");
      const started = owner.next((e) => e.event === "fetch-started");
      owner.burst("crash", 5).catch(() => {});
      await started;
      const bursts = Promise.all(others.map((worker) => worker.burst("crash", PER_PROCESS)));
      await sleep(100);
      await owner.kill();
      const results = values(await bursts);
      expect(results).toHaveLength(3 * PER_PROCESS);
      expect(new Set(results.map((result) => JSON.stringify(result.value))).size).toBe(1);
      expect(await fleetFetches(others, "crash")).toBe(1);
      fleet = others;
    });
  });
}

import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createIsr, createMemoryStore, type Isr } from "../../src/index.js";
import type { FleetView } from "../../src/inspector/fleet.js";
import { buildInspector } from "../../src/inspector/handler.js";
import { namespacePrefix } from "../../src/key.js";
import type { RedisStore } from "../../src/stores/redis.js";
import { describeRedis, type RedisServer, startRedis } from "../redis/redis-server.js";
import { storeFactory } from "../redis/stores.js";
import { authorized, fakeClocks, TOKEN, tenantEngine } from "./fixtures.js";

type Settings = { tenant: string };

function engineOn(
  store: RedisStore,
  namespace: string,
  tags?: (value: Settings) => string[],
): Isr<Settings, string> {
  return createIsr<Settings, string>({
    namespace,
    store,
    ttlMs: 60_000,
    staleTtlMs: 60_000,
    ...(tags ? { tags: (value: Settings) => tags(value) } : {}),
    fetch: (tenant) => ({ tenant }),
  });
}

describe("the fleet view without a store that can list its entries", () => {
  it("is not offered, and its endpoint says why", async () => {
    const { isr } = tenantEngine();
    const inspector = buildInspector({ engines: [isr], token: TOKEN }, fakeClocks());
    const snapshot = (await (await inspector.fetch(authorized("/api"))).json()) as {
      namespaces: { fleet: boolean }[];
    };
    expect(snapshot.namespaces[0]?.fleet).toBe(false);
    const response = await inspector.fetch(authorized("/api/fleet?engine=settings"));
    expect([response.status, await response.json()]).toEqual([
      404,
      { error: "no fleet view: this engine's store cannot list its entries" },
    ]);
    expect((await inspector.fetch(authorized("/api/fleet?engine=nope"))).status).toBe(404);
    inspector.close();
  });

  it("the memory store has no scanEntries", () => {
    expect("scanEntries" in createMemoryStore()).toBe(false);
  });
});

describeRedis("the fleet view: entries in Redis under the prefix, whichever process fetched them", () => {
  let server: RedisServer;
  const stores = storeFactory();
  beforeAll(async () => {
    server = await startRedis();
  });
  afterEach(() => stores.closeAll());
  afterAll(() => server.stop());

  it("lists every process's entries of the namespace, marks this process's own, and leaves other namespaces out", async () => {
    const prefix = stores.prefix();
    const other = await stores.open(server, { prefix });
    const here = await stores.open(server, { prefix });
    const theirs = engineOn(other.store, "settings", (value) => [`tenant:${value.tenant}`]);
    const ours = engineOn(here.store, "settings");
    const unrelated = engineOn(other.store, "flags");
    await theirs.get(["tenant", "acme"], "acme");
    await theirs.get("globex", "globex");
    await ours.get("initech", "initech");
    await unrelated.get("acme", "acme");
    // Braces, percent signs and glob characters in keys and namespaces are escaped on the way.
    const odd = engineOn(other.store, "set*tings{x}");
    await odd.get("100% {odd} [key]", "odd");

    const clocks = fakeClocks();
    const inspector = buildInspector(
      { engines: { settings: ours, odd: engineOn(here.store, "set*tings{x}") }, token: TOKEN },
      clocks,
    );
    const snapshot = (await (await inspector.fetch(authorized("/api"))).json()) as {
      namespaces: { fleet: boolean }[];
    };
    expect(snapshot.namespaces.map((ns) => ns.fleet)).toEqual([true, true]);
    const view = (await (
      await inspector.fetch(authorized("/api/fleet?engine=settings"))
    ).json()) as FleetView;
    expect(view).toMatchObject({ name: "settings", namespace: "settings", truncated: false, limit: 1_000 });
    expect(view.entries.map((e) => [e.key, e.state, e.local])).toEqual([
      ["globex", "fresh", false],
      ["initech", "fresh", true],
      [["tenant", "acme"], "fresh", false],
    ]);
    expect(view.entries[2]).toMatchObject({
      ttlMs: 60_000,
      staleTtlMs: 60_000,
      staleIfErrorMs: 0,
      tags: ["tenant:acme"],
    });
    const oddView = (await (await inspector.fetch(authorized("/api/fleet?engine=odd"))).json()) as FleetView;
    expect(oddView.entries.map((e) => e.key)).toEqual(["100% {odd} [key]"]);
    inspector.close();
  });

  it("is bounded: at most `limit` entries read and a fixed number of SCAN calls, and says it stopped", async () => {
    const prefix = stores.prefix();
    const { store } = await stores.open(server, { prefix });
    const isr = engineOn(store, "many");
    for (let i = 0; i < 30; i++) await isr.get(`k${i}`, `k${i}`);
    const scan = await store.scanEntries({ storeKeyPrefix: namespacePrefix("many"), limit: 10 });
    expect(scan.entries).toHaveLength(10);
    expect(scan.truncated).toBe(true);
    const all = await store.scanEntries({ storeKeyPrefix: namespacePrefix("many"), limit: 100 });
    expect([all.entries.length, all.truncated]).toEqual([30, false]);
    // One SCAN call over a database with more keys than one call looks at: stopped, and says so.
    const crowd = new Redis({ port: server.port, host: "127.0.0.1" });
    try {
      const pipeline = crowd.pipeline();
      for (let i = 0; i < 3_000; i++) pipeline.set(`${prefix}unrelated:${i}`, "x");
      await pipeline.exec();
      const bounded = await store.scanEntries({
        storeKeyPrefix: namespacePrefix("many"),
        limit: 100,
        maxScanCalls: 1,
      });
      expect(bounded.truncated).toBe(true);
      expect(bounded.entries.length).toBeLessThan(30);
    } finally {
      crowd.disconnect();
    }
  });

  it("respects the client's keyPrefix, and shows an error rather than failing when Redis is away", async () => {
    const prefix = stores.prefix();
    const { store, client } = await stores.open(server, { prefix }, { keyPrefix: "app:" });
    const isr = engineOn(store, "prefixed");
    await isr.get("acme", "acme");
    const scan = await store.scanEntries({ storeKeyPrefix: namespacePrefix("prefixed"), limit: 10 });
    expect(scan.entries.map((e) => e.storeKey)).toEqual([`${namespacePrefix("prefixed")}sacme`]);
    const inspector = buildInspector({ engines: [isr], token: TOKEN }, fakeClocks());
    client.disconnect();
    const view = (await (
      await inspector.fetch(authorized("/api/fleet?engine=prefixed"))
    ).json()) as FleetView;
    expect(view.entries).toEqual([]);
    // Whichever notices first: the client (its connection closed) or the store (Redis marked away).
    expect(view.error).toMatch(/Connection is closed|redis is unavailable/);
    inspector.close();
  });
});

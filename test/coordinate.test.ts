import { describe, expect, it } from "vitest";
import { createIsr, createMemoryStore, type Store, type StoreEntry } from "../src/index.js";
import type { FetchPurpose } from "../src/stores/store.js";
import { countingFetch, fakeClock, flush } from "./helpers.js";

/**
 * A store whose `coordinate` plays "another process holds the lease": it records what the
 * engine asked and answers as a fleet would. (The real fleet is tested against Redis.)
 */
function fleetStore(
  answer: (purpose: FetchPurpose, produce: () => Promise<StoreEntry>) => Promise<StoreEntry | undefined>,
) {
  const inner = createMemoryStore();
  const asked: FetchPurpose[] = [];
  const store: Store = {
    get: (key) => inner.get(key),
    set: (key, entry, ttl) => inner.set(key, entry, ttl),
    delete: (key) => inner.delete(key),
    coordinate: (_key, purpose, produce) => {
      asked.push(purpose);
      return answer(purpose, produce);
    },
  };
  return { store, inner, asked };
}

describe("store.coordinate (fleet single-flight hook)", () => {
  it("runs produce when this process wins; the value is stored as usual", async () => {
    const clock = fakeClock();
    const { store, asked } = fleetStore((_purpose, produce) => produce());
    const source = countingFetch((n) => n);
    const isr = createIsr({ fetch: source.fetch, store, now: clock.now });
    expect(await isr.get("k")).toMatchObject({ value: 1, state: "miss" });
    expect(await isr.get("k")).toMatchObject({ value: 1, state: "fresh" });
    expect(asked).toEqual(["miss"]);
  });

  it("a refresh left to another process fetches nothing here and keeps serving stale", async () => {
    const clock = fakeClock();
    const { store, asked } = fleetStore(async (purpose, produce) =>
      purpose === "refresh" ? undefined : produce(),
    );
    const source = countingFetch((n) => n);
    const isr = createIsr({ fetch: source.fetch, ttlMs: 10, store, now: clock.now });
    await isr.get("k");
    clock.advance(10);
    expect(await isr.get("k")).toMatchObject({ value: 1, state: "stale" });
    await flush();
    expect(source.calls).toBe(1);
    expect(asked).toEqual(["miss", "refresh"]);
  });

  it("a miss served by another process's fetch makes no local fetch", async () => {
    const clock = fakeClock();
    const theirs: StoreEntry = {
      value: "from the owner",
      storedAt: clock.now(),
      staleAt: clock.now() + 1_000,
      expiresAt: clock.now() + 2_000,
    };
    const { store } = fleetStore(async () => theirs);
    const source = countingFetch((n) => n);
    const isr = createIsr({ fetch: source.fetch, store, now: clock.now });
    expect(await isr.get("k")).toMatchObject({ value: "from the owner", state: "miss" });
    expect(source.calls).toBe(0);
  });

  it("a cold get that joined a refresh left to another process fetches for real", async () => {
    const clock = fakeClock();
    const { store, asked } = fleetStore(async (purpose, produce) =>
      purpose === "refresh" ? undefined : produce(),
    );
    const source = countingFetch((n) => n);
    const isr = createIsr({ fetch: source.fetch, ttlMs: 10, staleTtlMs: 10, store, now: clock.now });
    await isr.get("k");
    clock.advance(10);
    const stale = isr.get("k"); // starts the refresh flight
    clock.advance(10); // too stale now: this get joins the refresh flight
    const miss = isr.get("k");
    expect(await stale).toMatchObject({ state: "stale" });
    expect(await miss).toMatchObject({ value: 2, state: "miss" });
    expect(asked).toEqual(["miss", "refresh", "miss"]);
  });

  it("a coordinate that answers no entry for a miss is an error, not a loop", async () => {
    const { store } = fleetStore(async () => undefined);
    const isr = createIsr({ fetch: () => 1, store });
    await expect(isr.get("k")).rejects.toThrow("store.coordinate resolved no entry for a miss");
  });
});

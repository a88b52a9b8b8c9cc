import { describe, expect, it } from "vitest";
import { createIsr, createMemoryStore, IsrClosedError, type Store, type StoreEntry } from "../src/index.js";
import type { CoordinateContext, FetchPurpose } from "../src/stores/store.js";
import { countingFetch, fakeClock, flush } from "./helpers.js";

/**
 * A store whose `coordinate` plays "another process holds the lease": it records what the
 * engine asked and answers as a fleet would. (The real fleet is tested against Redis.)
 */
function fleetStore(
  answer: (
    purpose: FetchPurpose,
    produce: () => Promise<StoreEntry>,
    context: CoordinateContext,
  ) => Promise<StoreEntry | undefined>,
) {
  const inner = createMemoryStore();
  const asked: FetchPurpose[] = [];
  const contexts: CoordinateContext[] = [];
  const store: Store = {
    get: (key) => inner.get(key),
    set: (key, entry, ttl) => inner.set(key, entry, ttl),
    delete: (key) => inner.delete(key),
    coordinate: (_key, purpose, produce, context) => {
      asked.push(purpose);
      contexts.push(context);
      return answer(purpose, produce, context);
    },
  };
  return { store, inner, asked, contexts };
}

describe("store.coordinate (fleet single-flight hook)", () => {
  it("runs produce when this process wins; the value is stored as usual", async () => {
    const clock = fakeClock();
    const { store, asked } = fleetStore((_purpose, produce) => produce());
    const source = countingFetch((n) => n);
    const isr = createIsr({ namespace: "data", fetch: source.fetch, store, now: clock.now });
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
    const isr = createIsr({ namespace: "data", fetch: source.fetch, ttlMs: 10, store, now: clock.now });
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
    const isr = createIsr({ namespace: "data", fetch: source.fetch, store, now: clock.now });
    expect(await isr.get("k")).toMatchObject({ value: "from the owner", state: "miss" });
    expect(source.calls).toBe(0);
  });

  it("a cold get that joined a refresh left to another process fetches for real", async () => {
    const clock = fakeClock();
    const { store, asked } = fleetStore(async (purpose, produce) =>
      purpose === "refresh" ? undefined : produce(),
    );
    const source = countingFetch((n) => n);
    const isr = createIsr({
      namespace: "data",
      fetch: source.fetch,
      ttlMs: 10,
      staleTtlMs: 10,
      store,
      now: clock.now,
    });
    await isr.get("k");
    clock.advance(10);
    const stale = isr.get("k"); // starts the refresh flight
    clock.advance(10); // too stale now: this get joins the refresh flight
    const miss = isr.get("k");
    expect(await stale).toMatchObject({ state: "stale" });
    expect(await miss).toMatchObject({ value: 2, state: "miss" });
    expect(asked).toEqual(["miss", "refresh", "miss"]);
  });

  it("tells coordinate the entry the request saw, revalidate as its own purpose, and aborts on close", async () => {
    const clock = fakeClock();
    const { store, asked, contexts } = fleetStore((_purpose, produce) => produce());
    const isr = createIsr({ namespace: "data", fetch: () => 1, ttlMs: 10, store, now: clock.now });
    await isr.get("k");
    expect(contexts[0]?.seen).toBeUndefined();
    clock.advance(10);
    expect(await isr.get("k")).toMatchObject({ state: "stale" });
    await flush();
    expect(asked).toEqual(["miss", "refresh"]);
    expect(contexts[1]?.seen).toMatchObject({ value: 1 });
    await isr.revalidate("k");
    expect(asked).toEqual(["miss", "refresh", "revalidate"]);
    expect(contexts[2]?.seen).toMatchObject({ value: 1 });
    expect(contexts.every((c) => !c.signal.aborted)).toBe(true);
  });

  it("a waiting coordinate sees the signal abort when the engine closes", async () => {
    let waitingSignal: AbortSignal | undefined;
    const { store } = fleetStore(
      (_purpose, _produce, context) =>
        new Promise((_resolve, reject) => {
          waitingSignal = context.signal;
          context.signal.addEventListener("abort", () => reject(context.signal.reason));
        }),
    );
    const isr = createIsr({ namespace: "data", fetch: () => 1, store });
    const pending = isr.get("k").catch((e: unknown) => e);
    await flush();
    await isr.close();
    expect(waitingSignal?.aborted).toBe(true);
    expect(await pending).toBeInstanceOf(IsrClosedError);
  });

  it("a coordinate that answers no entry for a miss is an error, not a loop", async () => {
    const { store } = fleetStore(async () => undefined);
    const isr = createIsr({ namespace: "data", fetch: () => 1, store });
    await expect(isr.get("k")).rejects.toThrow("store.coordinate resolved no entry for a miss");
  });
});

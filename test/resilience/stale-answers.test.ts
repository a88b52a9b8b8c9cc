import { describe, expect, it } from "vitest";
import { createIsr, IsrStoreError, type Store, type StoreEntry } from "../../src/index.js";

// Found by the fleet model under load: a fleet store's `coordinate` may answer with an entry
// another process wrote before a hard tag invalidation this process knows of. The engine
// fetched again — and the store answered the same entry again, forever, in a microtask loop
// that starved the process (its requests, timers and IPC all stopped).

const OLD: StoreEntry = {
  value: "old",
  storedAt: Date.now(),
  staleAt: Date.now() + 600_000,
  expiresAt: Date.now() + 3_600_000,
  tags: ["t"],
  tagSeq: 0,
};

/** A fleet-like store: reads find nothing here; `coordinate` hands back OLD unless the request has seen it. */
function fleetStore(honest: boolean): Store & { produced: number } {
  const store = {
    produced: 0,
    get: () => undefined,
    set: () => {},
    delete: () => {},
    coordinate: async (
      _key: string,
      _purpose: string,
      produce: () => Promise<StoreEntry>,
      context: { seen?: StoreEntry | undefined },
    ) => {
      if (honest && context.seen === OLD) {
        store.produced++;
        return produce();
      }
      return OLD;
    },
  };
  return store as unknown as Store & { produced: number };
}

describe("a store that answers with a value a known tag invalidation predates", () => {
  it("is passed by: the request fetches the current value", async () => {
    const store = fleetStore(true);
    const isr = createIsr<string, string>({ fetch: () => "new", store, namespace: "n", tags: () => ["t"] });
    await isr.invalidateTag("t");
    expect(await isr.get("k", "k")).toMatchObject({ value: "new", state: "miss" });
    expect(store.produced).toBe(1);
    await isr.close();
  });

  it("one that keeps answering it fails the request instead of spinning forever", async () => {
    const isr = createIsr<string, string>({ fetch: () => "new", store: fleetStore(false), namespace: "n" });
    await isr.invalidateTag("t");
    await expect(isr.get("k", "k")).rejects.toBeInstanceOf(IsrStoreError);
    await isr.close();
  });
});

import { describe, expect, it } from "vitest";
import { createIsr, createMemoryStore } from "../../src/index.js";
import { deferred } from "../helpers.js";

describe("a request that joins a fetch after a hard tag invalidation", () => {
  it("never gets a value read before that invalidation: it fetches again", async () => {
    const gates = [deferred<string>(), deferred<string>()];
    let calls = 0;
    const isr = createIsr<string>({
      fetch: () => (gates[calls++] as (typeof gates)[number]).promise,
      tags: () => ["t"],
      store: createMemoryStore(),
    });
    const before = isr.get("k");
    await new Promise((r) => setImmediate(r)); // its fetch reads the origin now
    await isr.invalidateTag("t"); // the data changes at the origin, and is invalidated
    const after = isr.get("k"); // asked after the invalidation: joins the fetch in flight
    gates[0]?.resolve("old");
    expect((await before).value).toBe("old"); // asked before: the old value is its answer
    await new Promise((r) => setImmediate(r));
    expect(calls).toBe(2);
    gates[1]?.resolve("new");
    expect(await after).toMatchObject({ value: "new", state: "miss" });
    expect(await isr.get("k")).toMatchObject({ value: "new", state: "fresh" });
  });

  it("a soft invalidation lets it take the value (soft means: stale is fine while one refresh runs)", async () => {
    const gate = deferred<string>();
    let calls = 0;
    const isr = createIsr<string>({
      fetch: () => {
        calls++;
        return gate.promise;
      },
      tags: () => ["t"],
      store: createMemoryStore(),
    });
    const before = isr.get("k");
    await isr.invalidateTag("t", { mode: "soft" });
    const after = isr.get("k");
    gate.resolve("v");
    expect((await before).value).toBe("v");
    expect((await after).value).toBe("v");
    expect(calls).toBe(1);
  });
});

describe("a key deleted by another engine while this one fetches it", () => {
  it("lets requests that come after start a new fetch, and the running one is not stored", async () => {
    const store = createMemoryStore();
    const gates = [deferred<string>(), deferred<string>()];
    let calls = 0;
    const fetching = createIsr<string>({
      fetch: () => (gates[calls++] as (typeof gates)[number]).promise,
      store,
      namespace: "shared",
    });
    const other = createIsr<string>({ fetch: () => "unused", store, namespace: "shared" });
    const before = fetching.get("k");
    await new Promise((r) => setImmediate(r));
    await other.invalidate("k");
    const after = fetching.get("k");
    await new Promise((r) => setImmediate(r));
    expect(calls).toBe(2);
    gates[0]?.resolve("old");
    gates[1]?.resolve("new");
    expect((await before).value).toBe("old");
    expect((await after).value).toBe("new");
    expect(await fetching.get("k")).toMatchObject({ value: "new", state: "fresh" });
  });
});

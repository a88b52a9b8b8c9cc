import { describe, expect, it } from "vitest";
import { createMemoryStore, type MemoryStore, type Store, type StoreEntry } from "../../src/index.js";
import type { StoreHarness } from "../../src/testing.js";
import { collectSuite, failingTests } from "./collect.js";

// The published suite is a specification only if it fails the stores that break it: each flaw
// below, built on a store that passes, must fail exactly the tests that name what it breaks.

/** A memory store (which passes) seen through `flaw`. */
const flawed =
  (flaw: (store: MemoryStore) => Partial<Store>, harness: Partial<StoreHarness> = {}) =>
  (clock: { now(): number }): StoreHarness => {
    const store = createMemoryStore({ now: clock.now });
    const seen: Store = {
      get: (key) => store.get(key),
      set: (key, entry, ttlMs) => store.set(key, entry, ttlMs),
      delete: (key) => store.delete(key),
      ...flaw(store),
    };
    return { store: seen, size: () => store.size, clear: () => store.clear(), ...harness };
  };

const THE_SUITE = [
  "answers undefined for a key it never stored",
  "gives back what was stored: the value and the entry's times",
  "keeps times exactly, Infinity included",
  "keeps an entry's stale-if-error time, tags and tag sequence number",
  "replaces an entry on set",
  "deletes only the entry asked for; deleting a missing key is harmless",
  "keeps entries with an infinite ttl and drops those with none left",
  "delete and clear remove entries",
  "expires an entry once its ttlMs has passed",
  "treats keys as opaque: look-alike keys never meet",
  "serves an engine: miss, fresh, stale with one refresh, then too stale",
  "lets 200 concurrent cold gets of one key share one fetch",
  "makes the next get after invalidate a miss",
  "keeps two namespaces apart in one store",
];

describe("isr-plug/testing's store suite", () => {
  it("checks these behaviours, and a sound store passes them all", async () => {
    const sound = flawed(() => ({}));
    expect(collectSuite(sound).map((test) => test.name)).toEqual(THE_SUITE);
    expect(await failingTests(sound)).toEqual([]);
  });

  const cases: [string, ReturnType<typeof flawed>, string[]][] = [
    [
      "keeps entries as JSON text (Infinity becomes null)",
      flawed((store) => ({
        get: (key) => {
          const json = store.get(key)?.value as string | undefined;
          return json === undefined ? undefined : (JSON.parse(json) as StoreEntry);
        },
        set: (key, entry, ttlMs) => store.set(key, { ...entry, value: JSON.stringify(entry) }, ttlMs),
      })),
      ["keeps times exactly, Infinity included"],
    ],
    [
      "keeps only the value and the three times",
      flawed((store) => ({
        set: (key, { value, storedAt, staleAt, expiresAt }, ttlMs) =>
          store.set(key, { value, storedAt, staleAt, expiresAt }, ttlMs),
      })),
      ["keeps an entry's stale-if-error time, tags and tag sequence number"],
    ],
    [
      "keeps the first entry of a key (set never replaces)",
      flawed((store) => ({
        set: (key, entry, ttlMs) => {
          if (store.get(key) === undefined) store.set(key, entry, ttlMs);
        },
      })),
      ["replaces an entry on set", "serves an engine: miss, fresh, stale with one refresh, then too stale"],
    ],
    [
      "ignores delete",
      flawed(() => ({ delete: () => {} })),
      [
        "deletes only the entry asked for; deleting a missing key is harmless",
        "delete and clear remove entries",
        "makes the next get after invalidate a miss",
      ],
    ],
    [
      "ignores ttlMs (keeps every entry)",
      flawed((store) => ({ set: (key, entry) => store.set(key, entry, Number.POSITIVE_INFINITY) })),
      [
        "keeps entries with an infinite ttl and drops those with none left",
        "expires an entry once its ttlMs has passed",
      ],
    ],
    [
      "has a clear that leaves entries behind",
      flawed(() => ({}), { clear: () => {} }),
      ["delete and clear remove entries"],
    ],
    [
      "folds look-alike keys into one",
      flawed((store) => ({
        get: (key) => store.get(key.replace(/\W/g, "_")),
        set: (key, entry, ttlMs) => store.set(key.replace(/\W/g, "_"), entry, ttlMs),
        delete: (key) => store.delete(key.replace(/\W/g, "_")),
      })),
      ["treats keys as opaque: look-alike keys never meet"],
    ],
    [
      "forgets everything",
      flawed(() => ({ get: () => undefined })),
      [
        "gives back what was stored: the value and the entry's times",
        "keeps times exactly, Infinity included",
        "keeps an entry's stale-if-error time, tags and tag sequence number",
        "replaces an entry on set",
        "deletes only the entry asked for; deleting a missing key is harmless",
        "keeps entries with an infinite ttl and drops those with none left",
        "expires an entry once its ttlMs has passed",
        "treats keys as opaque: look-alike keys never meet",
        "serves an engine: miss, fresh, stale with one refresh, then too stale",
        "keeps two namespaces apart in one store",
      ],
    ],
  ];
  it.each(cases)("fails a store that %s, in the tests that say so", async (_flaw, make, failing) => {
    expect(await failingTests(make)).toEqual(failing);
  });
});

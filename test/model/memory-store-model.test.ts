import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createMemoryStore, type StoreEntry } from "../../src/index.js";

// The memory store against a model that knows nothing of its eviction order: every key it
// holds is exactly what was last set under that store key (never another key's, namespace's
// or shape's entry, never a deleted, cleared or expired one), nothing is missing that the
// store did not report evicting, and the bounds hold after every operation, whatever the keys
// (engine-encoded strings and arrays, foreign and almost-encoded strings) and entry shapes
// (plain, tagged, stale-if-error, fractional and huge times) — the slot arrays keep plain
// entries compactly and the rest whole, and both must read back as set.

const KEYS = [
  "5:alpha:sk",
  "5:alpha:s",
  "5:alpha:s5:alpha:sk",
  "4:beta:sk",
  '5:alpha:a["k"]',
  '5:alpha:a["k",1]',
  '5:alpha:a[1,"k"]',
  "5:alpha:a[1]",
  "5:alpha:a[1.0]", // not the engine's encoding of [1]: a key of its own
  "5:alpha:a[]",
  '4:beta:a["k"]',
  "",
  "k",
  ":",
  "5:alpha:",
  "5:alpha:x",
  "9:alpha:sk",
  "__proto__",
  '0::a["__proto__"]',
  "0::s__proto__",
  "0::sconstructor",
] as const;

interface Present {
  entry: StoreEntry;
  dropAt: number;
}

const time = fc.oneof(
  fc.integer({ min: 0, max: 5_000 }),
  fc.double({ min: 0, max: 5_000, noNaN: true }),
  fc.constant(2 ** 31 + 5),
);

const entryArb = fc
  .record({
    value: fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.integer(),
      fc.constant(null),
      fc.constant({ nested: [1] }),
    ),
    storedAt: fc.oneof(fc.integer({ min: 0, max: 10_000 }), fc.double({ min: 0, max: 10_000, noNaN: true })),
    ttl: time,
    staleTtl: time,
    tags: fc.option(fc.array(fc.constantFrom("t1", "t2"), { minLength: 1, maxLength: 2 }), {
      nil: undefined,
    }),
    staleIfError: fc.option(fc.integer({ min: 0, max: 1_000 }), { nil: undefined }),
  })
  .map(({ value, storedAt, ttl, staleTtl, tags, staleIfError }): StoreEntry => {
    const entry: StoreEntry = {
      value,
      storedAt,
      staleAt: storedAt + ttl,
      expiresAt: storedAt + ttl + staleTtl,
    };
    if (tags !== undefined) entry.tags = tags;
    if (staleIfError !== undefined) entry.staleIfErrorUntil = entry.expiresAt + staleIfError;
    return entry;
  });

const op = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("set" as const),
      key: fc.constantFrom(...KEYS),
      entry: entryArb,
      ttlMs: fc.oneof(fc.integer({ min: -5, max: 3_000 }), fc.constant(Number.POSITIVE_INFINITY)),
    }),
  },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant("get" as const), key: fc.constantFrom(...KEYS) }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("delete" as const), key: fc.constantFrom(...KEYS) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("advance" as const), ms: fc.integer({ min: 0, max: 2_000 }) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("clear" as const) }) },
);

const sizeOf = (entry: StoreEntry, key: string) =>
  10 + key.length + JSON.stringify(entry.value ?? null).length;

describe("memory store against a model (keys, shapes, bounds, expiry)", () => {
  it("holds exactly what was set, reports every eviction, and keeps max and maxBytes after every step", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.option(fc.integer({ min: 20, max: 120 }), { nil: undefined }),
        fc.array(op, { minLength: 1, maxLength: 60 }),
        (max, maxBytes, ops) => {
          let now = 1_000;
          const store = createMemoryStore({
            max,
            ...(maxBytes === undefined ? {} : { maxBytes, sizeOf }),
            now: () => now,
          });
          const model = new Map<string, Present>();
          store.onEvict((key, reason) => {
            const held = model.get(key);
            expect(held, `evicted ${JSON.stringify(key)} it does not hold`).toBeDefined();
            if (reason === "expired") expect(held?.dropAt).toBeLessThanOrEqual(now);
            model.delete(key);
          });
          for (const step of ops) {
            switch (step.kind) {
              case "set": {
                model.delete(step.key);
                const tooBig = maxBytes !== undefined && sizeOf(step.entry, step.key) > maxBytes;
                if (step.ttlMs > 0 && !tooBig)
                  model.set(step.key, { entry: step.entry, dropAt: now + step.ttlMs });
                store.set(step.key, step.entry, step.ttlMs);
                break;
              }
              case "get": {
                const held = model.get(step.key);
                const got = store.get(step.key);
                if (held === undefined || held.dropAt <= now) {
                  expect(got, `get ${JSON.stringify(step.key)}`).toBeUndefined();
                  model.delete(step.key);
                } else {
                  expect(got, `get ${JSON.stringify(step.key)}`).toEqual(held.entry);
                }
                break;
              }
              case "delete":
                model.delete(step.key);
                store.delete(step.key);
                break;
              case "advance":
                now += step.ms;
                break;
              case "clear":
                model.clear();
                store.clear();
                break;
            }
            expect(store.size).toBeLessThanOrEqual(max);
            expect(store.size).toBe(model.size);
            if (maxBytes !== undefined) {
              let bytes = 0;
              for (const [key, held] of model) bytes += sizeOf(held.entry, key);
              expect(bytes).toBeLessThanOrEqual(maxBytes);
            }
          }
        },
      ),
      { numRuns: 1_500 },
    );
  });
});

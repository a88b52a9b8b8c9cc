import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createIsr, createMemoryStore, IsrKeyRejectedError } from "../../src/index.js";
import { encodeKey, namespacePrefix } from "../../src/key.js";
import { type Deferred, deferred, fakeClock, flush } from "../helpers.js";

/**
 * Bounds checked as invariants over random interleavings: whatever the order of requests,
 * slow fetches, failures and clock moves, `maxKeys` never lets a key with a servable entry
 * lose its place, and `maxConcurrentFetches` holds on the origin even for fetches that
 * ignore their signal and outlive `timeoutMs`.
 */

const RUNS = Math.max(50, Math.floor(Number(process.env.MODEL_RUNS ?? 2_000) / 4));
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

afterEach(() => {
  vi.useRealTimers();
});

type KeyOp =
  | { t: "get"; key: number }
  | { t: "revalidate"; key: number }
  | { t: "invalidate"; key: number }
  | { t: "advance"; ms: number }
  | { t: "resolve"; which: number }
  | { t: "reject"; which: number };

const KEYS = 6;
const keyOp: fc.Arbitrary<KeyOp> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ t: fc.constant("get" as const), key: fc.nat(KEYS - 1) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("revalidate" as const), key: fc.nat(KEYS - 1) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("invalidate" as const), key: fc.nat(KEYS - 1) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant("advance" as const),
      ms: fc.oneof(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 30_000, max: 90_000 })),
    }),
  },
  { weight: 4, arbitrary: fc.record({ t: fc.constant("resolve" as const), which: fc.nat(5) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("reject" as const), which: fc.nat(5) }) },
);

async function admissionScenario(maxKeys: number, ttlMs: number, ops: KeyOp[]): Promise<void> {
  const clock = fakeClock(1_000_000);
  const store = createMemoryStore({ now: clock.now });
  const calls: { key: number; gate: Deferred<string> }[] = [];
  const isr = createIsr<string, number>({
    fetch: (key) => {
      const gate = deferred<string>();
      calls.push({ key, gate });
      return gate.promise;
    },
    maxKeys,
    ttlMs,
    staleTtlMs: 100_000,
    store,
    namespace: "bounded",
    logger: quiet,
    now: clock.now,
  });
  const prefix = namespacePrefix("bounded");
  const entryOf = (key: number) => store.get(encodeKey(prefix, `k${key}`));
  const servable = (key: number) => {
    const entry = entryOf(key);
    return entry !== undefined && clock.now() < entry.expiresAt;
  };
  const failures: string[] = [];
  for (const op of ops) {
    switch (op.t) {
      case "get": {
        const hadEntry = entryOf(op.key) !== undefined;
        const wasStale = servable(op.key) && clock.now() >= (entryOf(op.key)?.staleAt ?? 0);
        const fetchingBefore = calls.some((c) => c.key === op.key);
        const callsBefore = calls.length;
        isr.get(`k${op.key}`, op.key).then(
          () => {},
          (error: unknown) => {
            if (error instanceof IsrKeyRejectedError && hadEntry)
              failures.push(`get k${op.key} refused with an entry`);
          },
        );
        await flush();
        // A stale hit of an admitted key starts its refresh (nothing else bounds refreshes here).
        if (wasStale && !fetchingBefore && calls.length === callsBefore) {
          failures.push(`stale k${op.key} was not refreshed`);
        }
        break;
      }
      case "revalidate": {
        const hadEntry = entryOf(op.key) !== undefined;
        isr.revalidate(`k${op.key}`, op.key).catch((error: unknown) => {
          if (error instanceof IsrKeyRejectedError && hadEntry)
            failures.push(`revalidate k${op.key} refused with an entry`);
        });
        break;
      }
      case "invalidate":
        await isr.invalidate(`k${op.key}`);
        break;
      case "advance":
        clock.advance(op.ms);
        break;
      case "resolve":
      case "reject": {
        if (calls.length === 0) break;
        const [call] = calls.splice(op.which % calls.length, 1);
        if (op.t === "resolve") call?.gate.resolve(`v${call.key}`);
        else call?.gate.reject(new Error("down"));
        break;
      }
    }
    await flush();
    let stored = 0;
    for (let key = 0; key < KEYS; key++) if (entryOf(key) !== undefined) stored += 1;
    expect(stored).toBeLessThanOrEqual(maxKeys);
    expect(isr.stats().admittedKeys).toBeLessThanOrEqual(maxKeys);
    expect(failures).toEqual([]);
  }
  for (const call of calls.splice(0)) call.gate.resolve("late");
  await isr.close();
}

type LoadOp = { t: "get"; key: number } | { t: "advance"; ms: number } | { t: "settle"; which: number };

const loadOp: fc.Arbitrary<LoadOp> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ t: fc.constant("get" as const), key: fc.nat(7) }) },
  {
    weight: 3,
    arbitrary: fc.record({ t: fc.constant("advance" as const), ms: fc.integer({ min: 0, max: 100 }) }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("settle" as const), which: fc.nat(7) }) },
);

async function concurrencyScenario(max: number, ttlMs: number, ops: LoadOp[]): Promise<void> {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
  const clock = fakeClock(1_000_000);
  let running = 0;
  let most = 0;
  const calls: Deferred<string>[] = [];
  const isr = createIsr<string, number>({
    // Ignores its signal: it ends only when the test settles it, whatever the deadline says.
    fetch: () => {
      running += 1;
      most = Math.max(most, running);
      const gate = deferred<string>();
      calls.push(gate);
      return gate.promise.finally(() => {
        running -= 1;
      });
    },
    maxConcurrentFetches: max,
    timeoutMs: 30,
    ttlMs,
    store: createMemoryStore({ now: clock.now }),
    namespace: "limited",
    logger: quiet,
    now: clock.now,
  });
  const answers: Promise<unknown>[] = [];
  for (const op of ops) {
    if (op.t === "get") answers.push(isr.get(`k${op.key}`, op.key).catch(() => {}));
    else if (op.t === "advance") {
      clock.advance(op.ms);
      await vi.advanceTimersByTimeAsync(op.ms);
    } else if (calls.length > 0) {
      calls.splice(op.which % calls.length, 1)[0]?.resolve("v");
    }
    await vi.advanceTimersByTimeAsync(0);
    expect(running).toBeLessThanOrEqual(max);
  }
  // Everything ends once the origin answers: no request is left hanging.
  while (calls.length > 0) {
    for (const call of calls.splice(0)) call.resolve("v");
    await vi.advanceTimersByTimeAsync(50);
  }
  await vi.advanceTimersByTimeAsync(100);
  await Promise.all(answers);
  expect(most).toBeLessThanOrEqual(max);
  await isr.close();
}

describe("bounds under random interleavings", () => {
  it(`maxKeys: a key with an entry is never refused, stale admitted keys refresh, at most maxKeys entries (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 0, max: 1_000 }),
        fc.array(keyOp, { minLength: 1, maxLength: 40 }),
        (maxKeys, ttlMs, ops) => admissionScenario(maxKeys, ttlMs, ops),
      ),
      { numRuns: RUNS },
    );
  }, 120_000);

  it(`maxConcurrentFetches holds on the origin with fetches that ignore their signal past timeoutMs (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 0, max: 200 }),
        fc.array(loadOp, { minLength: 1, maxLength: 40 }),
        (max, ttlMs, ops) => concurrencyScenario(max, ttlMs, ops),
      ),
      { numRuns: RUNS },
    );
  }, 120_000);
});

import assert from "node:assert/strict";
import { describeValue, hasMethods, OptionCheck, optionNames } from "../check.js";
import { createIsr, type Isr, type IsrResult } from "../engine.js";
import type { IsrOptions } from "../options.js";
import type { StoreEntry } from "../stores/store.js";
import {
  eventually,
  type MakeStoreHarness,
  type ManualClock,
  manualClock,
  type StoreHarness,
  sleep,
  type TestRunner,
} from "./harness.js";

/** A harness with its defaults filled in, plus the test's clock and a way to make engines. */
interface OpenHarness extends Required<Pick<StoreHarness, "store" | "expire" | "timeScale">> {
  clock: ManualClock;
  size: StoreHarness["size"];
  clear: StoreHarness["clear"];
  /** An engine on the store and the test's clock, closed with the test. */
  engine<V>(options: Omit<IsrOptions<V, void>, "store" | "now">): Isr<V, void>;
}

const entry = (value: unknown, at = 0): StoreEntry => ({
  value,
  storedAt: at,
  staleAt: at + 1,
  expiresAt: at + 2,
});

/** The entry's fields that hold something: an optional field set to undefined counts as absent. */
function definedFields(found: StoreEntry | undefined): Record<string, unknown> | undefined {
  if (found === undefined) return undefined;
  return Object.fromEntries(Object.entries(found).filter(([, field]) => field !== undefined));
}

function assertEntry(found: StoreEntry | undefined, expected: StoreEntry, key: string): void {
  assert.deepEqual(definedFields(found), definedFields(expected), `the entry under ${JSON.stringify(key)}`);
}

function assertResult<V>(result: IsrResult<V>, value: V, state: IsrResult<V>["state"]): void {
  assert.deepEqual({ value: result.value, state: result.state }, { value, state });
}

const runnerCheck = new OptionCheck(
  "isr-plug/testing: the runner's",
  "isr-plug/testing: unknown runner function",
);
const harnessCheck = new OptionCheck(
  "isr-plug/testing: the harness's",
  "isr-plug/testing: unknown harness field",
);
const HARNESS_FIELDS = optionNames<StoreHarness>({
  store: true,
  expire: true,
  timeScale: true,
  size: true,
  clear: true,
  close: true,
});

/** The arguments, checked at the call: a mistake reads as a TypeError naming it, not as failing tests. */
function checkArguments(name: unknown, makeHarness: unknown, runner: unknown): void {
  if (typeof name !== "string") {
    throw new TypeError(`isr-plug/testing: the suite's name must be a string, got ${describeValue(name)}`);
  }
  if (typeof makeHarness !== "function") {
    throw new TypeError(
      `isr-plug/testing: makeHarness must be a function, got ${describeValue(makeHarness)}`,
    );
  }
  // Any object with the two (a whole module namespace too): the suite uses nothing else.
  if (runner === null || typeof runner !== "object") {
    throw new TypeError(
      `isr-plug/testing: the runner must be an object with describe and it, got ${describeValue(runner)}`,
    );
  }
  for (const method of ["describe", "it"] as const) {
    const given = (runner as Record<string, unknown>)[method];
    if (typeof given !== "function") runnerCheck.fail(method, "a function", given);
  }
}

/** What `makeHarness` made, checked before the test uses it; unknown fields are typos. */
function checkHarness(harness: StoreHarness): void {
  harnessCheck.object(harness, HARNESS_FIELDS);
  if (!hasMethods(harness.store, ["get", "set", "delete"])) {
    harnessCheck.fail("store", "a Store (with get, set and delete methods)", harness.store);
  }
  for (const name of ["expire", "size", "clear", "close"] as const)
    harnessCheck.function(name, harness[name]);
  const { timeScale } = harness;
  if (
    timeScale !== undefined &&
    !(typeof timeScale === "number" && Number.isFinite(timeScale) && timeScale > 0)
  ) {
    harnessCheck.fail("timeScale", "a finite number > 0", timeScale);
  }
}

/**
 * Registers, with your runner's `describe` and `it`, the behaviours every `Store` shares:
 * what a store must do for the engine, whatever it keeps entries in. Assertions are
 * `node:assert/strict`, so any runner reports them.
 */
export function storeConformance(name: string, makeHarness: MakeStoreHarness, runner: TestRunner): void {
  checkArguments(name, makeHarness, runner);
  const test = (title: string, body: (harness: OpenHarness) => Promise<void>) =>
    runner.it(title, async () => {
      const clock = manualClock();
      const harness = await makeHarness(clock);
      const engines: { close(): Promise<void> }[] = [];
      try {
        checkHarness(harness);
        await body({
          store: harness.store,
          clock,
          expire: harness.expire ?? ((ms) => clock.advance(ms)),
          timeScale: harness.timeScale ?? 1,
          size: harness.size,
          clear: harness.clear,
          engine: (options) => {
            const isr = createIsr({ ...options, store: harness.store, now: clock.now });
            engines.push(isr);
            return isr;
          },
        });
      } finally {
        await Promise.all(engines.map((isr) => isr.close()));
        // Closed even when the harness was refused (a store it opened is still open).
        if (typeof harness?.close === "function") await harness.close();
      }
    });

  runner.describe(`${name}: store conformance`, () => {
    test("answers undefined for a key it never stored", async ({ store }) => {
      assert.equal(await store.get("never"), undefined);
    });

    test("gives back what was stored: the value and the entry's times", async ({ store }) => {
      const values = [
        "text ü 🚀 \n",
        42,
        0,
        -1.5,
        null,
        true,
        false,
        "",
        { nested: { a: [1, "2", null] } },
        [1, [2]],
      ];
      for (const [i, value] of values.entries()) await store.set(`k${i}`, entry(value, i), 60_000);
      for (const [i, value] of values.entries())
        assertEntry(await store.get(`k${i}`), entry(value, i), `k${i}`);
    });

    test("keeps times exactly, Infinity included", async ({ store }) => {
      const forever: StoreEntry = {
        value: "v",
        storedAt: 1_700_000_000_123.5,
        staleAt: Infinity,
        expiresAt: Infinity,
      };
      await store.set("k", forever, Number.POSITIVE_INFINITY);
      assertEntry(await store.get("k"), forever, "k");
    });

    test("keeps an entry's stale-if-error time, tags and tag sequence number", async ({ store }) => {
      const tagged: StoreEntry = {
        ...entry({ plan: "pro" }, 10),
        staleIfErrorUntil: 70_012,
        tags: ["tenant:acme", "plan"],
        tagSeq: 7,
      };
      await store.set("k", tagged, 60_000);
      assertEntry(await store.get("k"), tagged, "k");
    });

    test("replaces an entry on set", async ({ store }) => {
      await store.set("k", entry("old"), 60_000);
      await store.set("k", entry("new", 5), 60_000);
      assertEntry(await store.get("k"), entry("new", 5), "k");
    });

    test("deletes only the entry asked for; deleting a missing key is harmless", async ({ store }) => {
      await store.set("a", entry(1), 60_000);
      await store.set("b", entry(2), 60_000);
      await store.delete("a");
      await store.delete("missing");
      assert.equal(await store.get("a"), undefined);
      assert.equal((await store.get("b"))?.value, 2);
    });

    test("keeps entries with an infinite ttl and drops those with none left", async ({ store }) => {
      await store.set("forever", entry(1), Number.POSITIVE_INFINITY);
      await store.set("gone", entry(2), 0);
      assert.equal((await store.get("forever"))?.value, 1);
      assert.equal(await store.get("gone"), undefined);
    });

    test("delete and clear remove entries", async ({ store, clear, size }) => {
      await store.set("a", entry(1), 60_000);
      await store.set("b", entry(2), 60_000);
      await store.delete("a");
      assert.equal(await store.get("a"), undefined);
      if (clear === undefined) return;
      await clear();
      assert.equal(await store.get("b"), undefined);
      if (size !== undefined) assert.equal(size(), 0);
    });

    test("expires an entry once its ttlMs has passed", async ({ store, expire, timeScale }) => {
      await store.set("k", entry(1), 100 * timeScale);
      await expire(40 * timeScale);
      assert.equal((await store.get("k"))?.value, 1);
      await expire(100 * timeScale);
      assert.equal(
        await store.get("k"),
        undefined,
        "the entry outlived its ttlMs (a store that expires by real time needs `expire` in its harness)",
      );
    });

    test("treats keys as opaque: look-alike keys never meet", async ({ store }) => {
      const keys = [
        "a",
        "a:",
        "a{b}",
        "{a}",
        "a}",
        "{",
        "%7B",
        "%",
        "a b",
        "ü",
        "*",
        "[a]",
        "a\\",
        "a\nb",
        "x".repeat(2_000),
      ];
      for (const [i, key] of keys.entries()) await store.set(key, entry(i), 60_000);
      for (const [i, key] of keys.entries()) {
        assert.equal((await store.get(key))?.value, i, `the value under ${JSON.stringify(key.slice(0, 20))}`);
      }
    });

    test("serves an engine: miss, fresh, stale with one refresh, then too stale", async ({
      clock,
      engine,
    }) => {
      let calls = 0;
      const isr = engine({ namespace: "data", fetch: () => ++calls, ttlMs: 1_000, staleTtlMs: 10_000 });
      assertResult(await isr.get("k"), 1, "miss");
      assertResult(await isr.get("k"), 1, "fresh");
      clock.advance(1_000);
      assertResult(await isr.get("k"), 1, "stale");
      await eventually(async () => assertResult(await isr.get("k"), 2, "fresh"));
      assert.equal(calls, 2);
      clock.advance(11_000);
      assertResult(await isr.get("k"), 3, "miss");
    });

    test("lets 200 concurrent cold gets of one key share one fetch", async ({ engine }) => {
      let calls = 0;
      const isr = engine({
        namespace: "data",
        fetch: async () => {
          const call = ++calls;
          await sleep(20);
          return call;
        },
      });
      const results = await Promise.all(Array.from({ length: 200 }, () => isr.get("k")));
      assert.equal(calls, 1);
      assert.deepEqual(new Set(results.map((result) => result.value)), new Set([1]));
    });

    test("makes the next get after invalidate a miss", async ({ engine }) => {
      let calls = 0;
      const isr = engine({ namespace: "data", fetch: () => ++calls });
      await isr.get("k");
      await isr.invalidate("k");
      assertResult(await isr.get("k"), 2, "miss");
    });

    test("keeps two namespaces apart in one store", async ({ engine }) => {
      const one = engine({ namespace: "one", fetch: () => "a" });
      const two = engine({ namespace: "two", fetch: () => "b" });
      await one.get("k");
      assertResult(await two.get("k"), "b", "miss");
      assertResult(await one.get("k"), "a", "fresh");
    });
  });
}

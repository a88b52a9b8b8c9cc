import { describe, expect, it } from "vitest";
import { createMemoryStore } from "../../src/index.js";
import { type StoreHarness, storeConformance } from "../../src/testing.js";
import { collectSuite } from "./collect.js";

// A mistake in using the suite reads as a TypeError naming it, never as a row of failing tests
// that blame the store.
const make = () => ({ store: createMemoryStore() });
const runner = { describe: (_name: string, body: () => void) => body(), it: () => {} };

describe("storeConformance refuses, at the call,", () => {
  it.each<[string, () => void]>([
    [
      "isr-plug/testing: the suite's name must be a string, got undefined",
      () => storeConformance(undefined as never, make, runner),
    ],
    [
      "isr-plug/testing: makeHarness must be a function, got an object",
      () => storeConformance("s", make() as never, runner),
    ],
    [
      "isr-plug/testing: the runner must be an object with describe and it, got undefined",
      () => storeConformance("s", make, undefined as never),
    ],
    [
      `isr-plug/testing: the runner's "it" must be a function, got undefined`,
      () => storeConformance("s", make, { describe: runner.describe } as never),
    ],
  ])("%s", (message, call) => {
    expect(call).toThrow(TypeError);
    expect(call).toThrow(message);
  });

  it("nothing else: a runner with more functions (a whole module namespace) is fine", () => {
    const names: string[] = [];
    const namespace = {
      ...runner,
      it: (name: string) => names.push(name),
      test: () => {},
      beforeEach: () => {},
    };
    storeConformance("s", make, namespace);
    expect(names.length).toBeGreaterThan(0);
  });
});

describe("a harness that is not one fails each test with a TypeError naming the field", () => {
  it.each<[string, Record<string, unknown>]>([
    ['isr-plug/testing: unknown harness field "clock"', { clock: { now: () => 0 } }],
    [
      'isr-plug/testing: the harness\'s "store" must be a Store (with get, set and delete methods), got an object',
      { store: { get: () => undefined } },
    ],
    ['isr-plug/testing: the harness\'s "expire" must be a function, got 5', { expire: 5 }],
    ['isr-plug/testing: the harness\'s "timeScale" must be a finite number > 0, got 0', { timeScale: 0 }],
  ])("%s", async (message, fields) => {
    let closed = 0;
    const [first] = collectSuite(
      () =>
        ({
          store: createMemoryStore(),
          close: () => {
            closed += 1;
          },
          ...fields,
        }) as StoreHarness,
    );
    await expect(first?.run()).rejects.toThrow(TypeError);
    await expect(first?.run()).rejects.toThrow(message);
    // What the harness opened is closed all the same.
    expect(closed).toBe(2);
  });
});

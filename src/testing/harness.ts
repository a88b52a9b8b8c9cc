import type { Store } from "../stores/store.js";

/**
 * The test functions of your runner. node:test, Vitest, Jest and Mocha all have a `describe`
 * and an `it` of this shape: pass them in, the suite registers its tests with them.
 */
export interface TestRunner {
  describe(name: string, body: () => void): unknown;
  /** Each test body takes no argument, so runners that count a body's parameters never wait for a `done` callback. */
  it(name: string, body: () => Promise<void>): unknown;
}

/**
 * A clock only the suite moves, made afresh for each test. The suite's engines read it; give
 * `now` to your store if it takes a clock, so its expiry follows the same time.
 */
export interface ManualClock {
  /** The current time in ms (it starts at 1 000 000). */
  now(): number;
  advance(ms: number): void;
}

/** One store under test, made for one test and closed after it. */
export interface StoreHarness {
  store: Store;
  /**
   * Lets `ms` pass on the clock the store expires entries by.
   * @default advances the suite's clock (for a store that takes its `now`); a store that
   * expires by real time (Redis, say) waits instead: `expire: (ms) => sleep(ms)`.
   */
  expire?(ms: number): void | Promise<void>;
  /**
   * Multiplies the durations of the expiry test, so a store on real time has room to spare.
   * @default 1
   */
  timeScale?: number;
  /** How many entries the store holds, if it can tell: checked to be 0 after `clear`. */
  size?(): number;
  /** Removes every entry, if the store can: checked to leave nothing behind. */
  clear?(): void | Promise<void>;
  /** Releases the store (connections, timers); called after each test, passed or failed. */
  close?(): void | Promise<void>;
}

/** Makes a fresh store for one test, reading `clock` if it takes a clock. */
export type MakeStoreHarness = (clock: ManualClock) => StoreHarness | Promise<StoreHarness>;

/** A fresh clock at 1 000 000 ms, far from 0 so no store mistakes a start time for "unset". */
export function manualClock(start = 1_000_000): ManualClock {
  let time = start;
  return {
    now: () => time,
    advance(ms) {
      time += ms;
    },
  };
}

/** Waits by real time: timers are in every runtime, unlike Node's `timers/promises`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Runs `check` until it passes, or rethrows its last failure after `timeoutMs`: for what a
 * store finishes in the background (a refresh written through a network, say).
 */
export async function eventually(check: () => Promise<void>, timeoutMs = 1_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() >= deadline) throw error;
    }
    await sleep(10);
  }
}

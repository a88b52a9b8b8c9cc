import { describe, expect, it } from "vitest";
import { createIsr, createMemoryStore } from "../src/index.js";

const fetch = () => 1;

describe("option validation", () => {
  it.each([
    [{}, '"fetch" must be a function, got undefined'],
    [{ fetch: "nope" }, '"fetch" must be a function, got "nope"'],
    [{ fetch, ttlMs: -1 }, '"ttlMs" must be a number of milliseconds >= 0'],
    [{ fetch, ttlMs: "60s" }, '"ttlMs" must be a number of milliseconds >= 0 (Infinity allowed), got "60s"'],
    [{ fetch, ttlMs: Number.NaN }, '"ttlMs" must be a number'],
    [{ fetch, staleTtlMs: -5 }, '"staleTtlMs" must be a number of milliseconds >= 0'],
    [{ fetch, timeoutMs: 0 }, '"timeoutMs" must be a finite number of milliseconds > 0, got 0'],
    [{ fetch, timeoutMs: Number.POSITIVE_INFINITY }, '"timeoutMs" must be a finite number'],
    [{ fetch, namespace: "" }, '"namespace" must be a non-empty string, got ""'],
    [{ fetch, namespace: 42 }, '"namespace" must be a non-empty string, got 42'],
    [{ fetch, store: {} }, '"store" must be an object with get, set and delete methods, got an object'],
    [{ fetch, store: null }, '"store" must be an object with get, set and delete methods, got null'],
    [{ fetch, logger: { warn() {} } }, '"logger" must be an object with debug, info, warn and error methods'],
    [{ fetch, now: 5 }, '"now" must be a function, got 5'],
    [{ fetch, ttl: 5 }, 'unknown option "ttl" (did you mean "ttlMs"?)'],
    [{ fetch, cache_ttl_ms: 5 }, 'unknown option "cache_ttl_ms" (did you mean "ttlMs"?)'],
    [{ fetch, color: "red" }, 'unknown option "color"'],
  ])("rejects %o with a TypeError naming the option", (options, message) => {
    expect(() => createIsr(options as never)).toThrow(TypeError);
    expect(() => createIsr(options as never)).toThrow(`isr-plug: ${message}`);
  });

  it("rejects a non-object", () => {
    expect(() => createIsr(undefined as never)).toThrow(
      new TypeError("isr-plug: options must be an object, got undefined"),
    );
  });

  it("accepts a minimal and a full set of options", () => {
    const store = createMemoryStore();
    expect(() => createIsr({ fetch })).not.toThrow();
    expect(() =>
      createIsr({
        fetch,
        ttlMs: 0,
        staleTtlMs: Number.POSITIVE_INFINITY,
        store,
        namespace: "n",
        timeoutMs: 10,
        logger: { debug() {}, info() {}, warn() {}, error() {} },
        now: () => 0,
      }),
    ).not.toThrow();
  });
});

describe("memory store options", () => {
  it.each([
    [{ max: 0 }, '"max" must be a positive integer, got 0'],
    [{ max: 1.5 }, '"max" must be a positive integer, got 1.5'],
    [{ maxBytes: -1 }, '"maxBytes" must be a positive integer, got -1'],
    [{ maxBytes: 10, sizeOf: 3 }, '"sizeOf" must be a function, got 3'],
    [{ sizeOf: () => 1 }, '"sizeOf" only applies with "maxBytes"'],
    [{ now: "x" }, '"now" must be a function, got "x"'],
  ])("rejects %o", (options, message) => {
    expect(() => createMemoryStore(options as never)).toThrow(new TypeError(`isr-plug: ${message}`));
  });
});

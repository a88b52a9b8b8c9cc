import { describe, expect, it } from "vitest";
import { createIsr, createMemoryStore, DEFAULT_CACHE_KEY } from "../src/index.js";
import { type CacheKey, encodeKey, KeyEncoder, namespacePrefix } from "../src/key.js";
import { countingFetch } from "./helpers.js";

describe("key encoding", () => {
  const p = namespacePrefix("ns");

  it("is stable: equal keys from two requests are one entry", () => {
    expect(encodeKey(p, ["settings", "a"])).toBe(encodeKey(p, ["settings", "a"]));
    expect(encodeKey(p, "x")).toBe(encodeKey(p, "x"));
  });

  it.each([
    [["a:b"], ["a", "b"]],
    [
      ["x", 1],
      ["x", "1"],
    ],
    ["a", ["a"]],
    [["a,b"], ["a", "b"]],
    [['a","b'], ["a", "b"]],
    [[""], []],
    ["", []],
    ['["a"]', ["a"]],
    ["s", [""]],
    [[1, 2], ["1,2"]],
  ])("never confuses %j with %j", (a, b) => {
    expect(encodeKey(p, a)).not.toBe(encodeKey(p, b));
  });

  it("keeps namespaces apart even when namespace and key could be re-split", () => {
    expect(encodeKey(namespacePrefix("a"), "b:c")).not.toBe(encodeKey(namespacePrefix("a:b"), "c"));
    expect(encodeKey(namespacePrefix("a:1:"), "x")).not.toBe(encodeKey(namespacePrefix("a"), ":1:x"));
    expect(encodeKey(namespacePrefix("1"), "s")).not.toBe(encodeKey(namespacePrefix(""), "1:s"));
  });

  it.each([
    [[{}]],
    [[null]],
    [[Number.NaN]],
    [[Number.POSITIVE_INFINITY]],
    [42],
    [null],
    [{ a: 1 }],
    [[["nested"]]],
    [[1n]],
  ])("rejects %o with a TypeError", (key) => {
    expect(() => encodeKey(p, key as never)).toThrow(TypeError);
    expect(() => encodeKey(p, key as never)).toThrow("isr-plug: a cache key must be a string or an array");
  });
});

describe("keys through the engine", () => {
  it("array keys of two requests share one entry; ambiguous-looking keys do not", async () => {
    const store = createMemoryStore();
    const source = countingFetch((n) => n);
    const isr = createIsr({ fetch: source.fetch, store });
    expect((await isr.get(["settings", "a"])).value).toBe(1);
    expect((await isr.get(["settings", "a"])).state).toBe("fresh");
    expect((await isr.get(["settings:a"])).value).toBe(2);
    expect((await isr.get(["x", 1])).value).toBe(3);
    expect((await isr.get(["x", "1"])).value).toBe(4);
  });

  it("a bad key rejects get with a TypeError", async () => {
    const isr = createIsr({ fetch: () => 1, store: createMemoryStore() });
    await expect(isr.get({} as never)).rejects.toThrow(TypeError);
  });

  it("two namespaces in one store never collide", async () => {
    const store = createMemoryStore();
    const a = createIsr({ fetch: () => "from a", namespace: "a", store });
    const b = createIsr({ fetch: () => "from b", namespace: "b", store });
    await a.get("k");
    expect((await b.get("k")).value).toBe("from b");
    expect((await a.get("k")).value).toBe("from a");
    expect(store.size).toBe(2);
  });

  it("the default key is the constant isr_plug_default_key", () => {
    expect(DEFAULT_CACHE_KEY).toBe("isr_plug_default_key");
  });

  it("engines without a store share one process-wide memory store", async () => {
    const namespace = `shared-${Math.random()}`;
    const a = createIsr({ fetch: () => "first", namespace });
    const b = createIsr({ fetch: () => "second", namespace });
    expect(a.store).toBe(b.store);
    await a.get("k");
    expect(await b.get("k")).toMatchObject({ value: "first", state: "fresh" });
  });
});

describe("KeyEncoder (remembers encodings, hands back the same string)", () => {
  const prefix = namespacePrefix("ns");

  it("encodes exactly like encodeKey, and returns the very same string for a key asked again", () => {
    const encoder = new KeyEncoder(prefix);
    for (const key of ["a", ["a"], ["a", "b"], ["x", 1], ["x", "1"], [], ""] as const) {
      expect(encoder.encode(key)).toBe(encodeKey(prefix, key));
    }
    const first = encoder.encode(["settings", "acme"]);
    expect(encoder.encode(["settings", "acme"])).toBe(first);
    expect(encoder.encode(`a${"b"}`)).toBe(encoder.encode("ab"));
  });

  it("keeps apart what encodeKey keeps apart", () => {
    const encoder = new KeyEncoder(prefix);
    const pairs: [CacheKey, CacheKey][] = [
      [
        ["x", 1],
        ["x", "1"],
      ],
      [["a"], ["a", "b"]],
      ["a", ["a"]],
      [[], [""]],
    ];
    for (const [a, b] of pairs) {
      expect(encoder.encode(a)).not.toBe(encoder.encode(b));
      expect(encoder.encode(b)).not.toBe(encoder.encode(a));
    }
  });

  it("throws for bad keys and remembers nothing for them", () => {
    const encoder = new KeyEncoder(prefix);
    expect(() => encoder.encode(["ok", {} as never])).toThrow(TypeError);
    expect(() => encoder.encode(["ok", {} as never])).toThrow(TypeError);
    expect(() => encoder.encode(null as never)).toThrow(TypeError);
    expect(encoder.encode(["ok"])).toBe(encodeKey(prefix, ["ok"]));
  });

  it("stays correct past its bound (it starts over)", () => {
    const encoder = new KeyEncoder(prefix);
    for (let i = 0; i < 25_000; i++) expect(encoder.encode(["k", i])).toBe(encodeKey(prefix, ["k", i]));
    expect(encoder.encode("z")).toBe(encodeKey(prefix, "z"));
  });
});

import { describe, expect, it } from "vitest";
import { createIsr } from "../../src/index.js";
import { encodeKey, namespacePrefix } from "../../src/key.js";
import { decodeEntry } from "../../src/stores/redis/codec.js";
import { KeySpace } from "../../src/stores/redis/keys.js";
import { jsonSerializer } from "../../src/stores/redis.js";
import { recordingLogger } from "../helpers.js";
import { describeRedis } from "./redis-server.js";
import { useRedisServer } from "./stores.js";

const HEADER = "i1 n1 Infinity storedAt=1 staleAt=9999999999999 expiresAt=9999999999999";

/** Stored texts that must each be a logged miss, whatever they hold (issue 11, item 5). */
const POISONED: Record<string, string> = {
  "tags is a number": `${HEADER}\n{"value":1,"tags":5}`,
  "tags is null": `${HEADER}\n{"value":1,"tags":null}`,
  "tags is an object": `${HEADER}\n{"value":1,"tags":{}}`,
  "tags holds a number": `${HEADER}\n{"value":1,"tags":["a",5]}`,
  "tags holds an empty tag": `${HEADER}\n{"value":1,"tags":[""]}`,
  "too many tags": `${HEADER}\n{"value":1,"tags":${JSON.stringify(Array.from({ length: 65 }, (_, i) => `t${i}`))}}`,
  "tagSeq is not a number": `${HEADER} tagSeq=abc\n{"value":1,"tags":["a"]}`,
  "storedAt is not finite": 'i1 n1 Infinity storedAt=Infinity staleAt=1 expiresAt=2\n{"value":1}',
  "staleAt is NaN": 'i1 n1 Infinity storedAt=1 staleAt=NaN expiresAt=2\n{"value":1}',
  "staleIfErrorUntil is NaN": `${HEADER} staleIfErrorUntil=NaN\n{"value":1}`,
  "keepUntil is not a number": 'i1 n1 soon storedAt=1 staleAt=2 expiresAt=3\n{"value":1}',
  "no header line": '{"value":1}',
  "a record that is an array": `${HEADER}\n[1]`,
  "a record without value": `${HEADER}\n{"tags":["a"]}`,
  "a bad header field": `${HEADER} =1\n{"value":1}`,
};

describe("stored entries are checked field by field", () => {
  it.each(Object.entries(POISONED))("refuses an entry where %s", (_name, text) => {
    expect(() => decodeEntry(text, jsonSerializer)).toThrow(/not a valid isr-plug entry/);
  });

  it("keeps only the fields an entry has: a field of another version is skipped, not taken", () => {
    const { entry } = decodeEntry(
      `${HEADER} tagSeq=7 later=3 tags=5\n{"value":1,"tags":["a"],"other":2}`,
      jsonSerializer,
    );
    expect(entry).toEqual({
      value: 1,
      tags: ["a"],
      tagSeq: 7,
      storedAt: 1,
      staleAt: 9999999999999,
      expiresAt: 9999999999999,
    });
  });

  it("drops __proto__ keys however they are escaped (issue 11, item 6)", () => {
    for (const text of [
      '{"value":{"\\u005f_proto__":{"x":1}}}',
      '{"value":{"__pr\\u006fto__":{"x":1}}}',
      '{"value":{"a":{"\\u005F\\u005Fproto\\u005F\\u005F":{"x":1}}}}',
    ]) {
      const record = jsonSerializer.deserialize(text) as { value: Record<string, unknown> };
      const found = JSON.stringify(record, (key, value) => {
        if (key === "__proto__") throw new Error("own __proto__ key");
        return value;
      });
      expect(found).not.toContain("proto");
      expect(Object.getPrototypeOf(record.value)).toBe(Object.prototype);
    }
    const escapedConstructor = jsonSerializer.deserialize(
      '{"value":{"\\u0063onstructor":{"prototype":{"polluted":true}}}}',
    ) as { value: Record<string, unknown> };
    expect(Object.hasOwn(escapedConstructor.value, "constructor")).toBe(false);
  });
});

describeRedis("poisoned entries in Redis (issue 11, item 5)", () => {
  const redis = useRedisServer();
  const { stores } = redis;

  it("each is a logged miss for every process, and the next fetch overwrites it", async () => {
    const logger = recordingLogger();
    const { store, client } = await stores.open(redis.server, {
      prefix: stores.prefix(),
      logger,
      commandTimeoutMs: 1_000,
    });
    const keys = new KeySpace(store.prefix);
    const isr = createIsr({ fetch: () => "fetched", tags: () => ["t"], store, namespace: "n", logger });
    for (const [i, text] of Object.values(POISONED).entries()) {
      const redisKey = keys.entry(encodeKey(namespacePrefix("n"), `k${i}`));
      await client.set(redisKey, text);
      expect(await isr.get(`k${i}`)).toMatchObject({ value: "fetched", state: "miss" });
      expect(await client.get(redisKey)).toMatch(/\n\{"value":"fetched","tags":\["t"\]\}$/);
    }
    const warnings = logger.at("warn").filter((line) => line.message.includes("malformed entry in redis"));
    expect(warnings.length).toBeGreaterThanOrEqual(Object.keys(POISONED).length);
    expect(logger.at("error")).toEqual([]);
    await isr.close();
  });
});

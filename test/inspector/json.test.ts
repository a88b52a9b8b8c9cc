import { describe, expect, it } from "vitest";
import { createIsr, createMemoryStore } from "../../src/index.js";
import { MAX_VALUE_CHARS } from "../../src/inspector.js";
import { deferred, fakeClock, flush, recordingLogger } from "../helpers.js";
import { authorized, inspectorFor, snapshotOf, tenantEngine } from "./fixtures.js";

describe("inspector JSON", () => {
  it("lists each namespace's entries with state, age against TTLs, last fetch, errors, in-flight fetches and stats", async () => {
    const clock = fakeClock();
    const slow = deferred<string>();
    const isr = createIsr<string, string>({
      namespace: "pages",
      ttlMs: 100,
      staleTtlMs: 200,
      staleIfErrorMs: 50,
      store: createMemoryStore({ now: clock.now }),
      logger: recordingLogger(),
      now: clock.now,
      tags: () => ["page"],
      fetch: (path) => {
        if (path === "/broken") throw new Error("origin answered 503");
        if (path === "/slow") return slow.promise;
        return `<h1>${path}</h1>`;
      },
    });
    const other = tenantEngine("settings").isr;
    await isr.get("/home", "/home");
    await isr.get(["post", 7], "/post/7");
    await expect(isr.get("/broken", "/broken")).rejects.toThrow("origin answered 503");
    clock.advance(150);
    const pending = isr.get("/slow", "/slow");
    await flush();
    await other.get(["tenant", "acme"], "acme");

    const snapshot = await snapshotOf(inspectorFor({ "Page HTML": isr, settings: other }).fetch);
    expect(snapshot.showValues).toBe(false);
    expect(snapshot.now).toEqual(expect.any(Number));
    expect(snapshot.namespaces.map((n) => [n.name, n.namespace])).toEqual([
      ["Page HTML", "pages"],
      ["settings", "settings"],
    ]);
    const pages = snapshot.namespaces[0];
    const byKey = Object.fromEntries((pages?.entries ?? []).map((e) => [JSON.stringify(e.key), e]));
    expect(byKey['"/home"']).toMatchObject({
      state: "stale",
      ageMs: 150,
      ttlMs: 100,
      staleTtlMs: 200,
      staleIfErrorMs: 50,
      tags: ["page"],
      fetching: false,
      lastFetch: { ok: true, durationMs: expect.any(Number), at: expect.any(Number) },
    });
    expect(byKey['["post",7]']).toMatchObject({ state: "stale", key: ["post", 7] });
    expect(byKey['"/broken"']).toMatchObject({
      state: "missing",
      lastFetch: { ok: false, error: "origin answered 503" },
    });
    expect(byKey['"/slow"']).toMatchObject({ state: "missing", fetching: true });
    expect(byKey['"/home"']?.id).toEqual(expect.any(String));
    expect(pages?.stats).toMatchObject({
      namespace: "pages",
      served: { fresh: 0, stale: 0, miss: 2, staleIfError: 0 },
      errors: 1,
      fetches: { started: 4, inFlight: 1 },
    });
    expect(snapshot.namespaces[1]?.entries.map((e) => e.key)).toEqual([["tenant", "acme"]]);
    slow.resolve("late");
    await pending;
  });

  it("never includes values by default, not even in the raw body", async () => {
    const { isr } = tenantEngine();
    await isr.get(["tenant", "acme"], "acme");
    const response = await inspectorFor([isr]).fetch(authorized("/api"));
    const body = await response.text();
    expect(body).toContain('"key":["tenant","acme"]');
    expect(body).not.toContain("secret");
    expect(body).not.toContain("acme #1");
    expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(response.headers.get("cache-control")).toBe("no-store");
  });

  it("with showValues, includes each value's JSON, cut at 4 KiB, and says which values cannot be shown", async () => {
    const values: Record<string, unknown> = {
      small: { secret: "acme #1" },
      large: "x".repeat(MAX_VALUE_CHARS + 10),
      bigint: 10n,
    };
    const isr = createIsr<unknown, string>({
      namespace: "values",
      store: createMemoryStore(),
      fetch: (name) => values[name],
    });
    for (const name of Object.keys(values)) await isr.get(name, name);
    const snapshot = await snapshotOf(inspectorFor([isr], { showValues: true }).fetch);
    expect(snapshot.showValues).toBe(true);
    const byKey = Object.fromEntries((snapshot.namespaces[0]?.entries ?? []).map((e) => [e.key, e]));
    expect(byKey.small?.value).toBe('{"secret":"acme #1"}');
    expect(byKey.large?.value).toHaveLength(MAX_VALUE_CHARS);
    expect(byKey.large?.valueTruncated).toBe(true);
    expect(byKey.bigint?.value).toBeUndefined();
    expect(byKey.bigint?.valueError).toMatch(/^not serializable as JSON: /);
  });

  it("writes unbounded TTLs as null", async () => {
    const isr = createIsr<string>({
      namespace: "forever",
      ttlMs: Number.POSITIVE_INFINITY,
      store: createMemoryStore(),
      fetch: () => "v",
    });
    await isr.get("k");
    const snapshot = await snapshotOf(inspectorFor([isr]).fetch);
    expect(snapshot.namespaces[0]?.entries[0]).toMatchObject({ state: "fresh", ttlMs: null });
    expect(snapshot.namespaces[0]?.stats.ageMs.buckets.at(-1)).toEqual({ le: null, count: 0 });
  });
});

import { describe, expect, it } from "vitest";
import { createIsr, createMemoryStore } from "../../src/index.js";
import { inspect, inspectionOf } from "../../src/observe/inspection.js";
import { countingFetch, fakeClock, flush, recordingLogger } from "../helpers.js";

describe("inspect(engine)", () => {
  it("lists recently fetched keys with their standing, TTLs and last fetch; values only when asked", async () => {
    const clock = fakeClock();
    const source = countingFetch((n) => (n === 3 ? Promise.reject(new Error("nope")) : { secret: n }));
    const isr = createIsr<{ secret: number }, string>({
      fetch: source.fetch,
      ttlMs: 100,
      staleTtlMs: 100,
      staleIfErrorMs: 50,
      tags: () => ["t"],
      store: createMemoryStore({ now: clock.now }),
      logger: recordingLogger(),
      now: clock.now,
    });
    await isr.get("fresh", "f");
    await isr.get(["stale", 1], "s");
    await expect(isr.get("broken", "b")).rejects.toThrow("nope");
    clock.advance(150);
    await isr.get("fresh", "f"); // stale now: refresh stores { secret: 4 } at t+150
    await flush();
    const entries = await inspect(isr);
    const byKey = Object.fromEntries(entries.map((e) => [JSON.stringify(e.key), e]));
    expect(byKey['"fresh"']).toMatchObject({
      state: "fresh",
      ageMs: 0,
      ttlMs: 100,
      staleTtlMs: 100,
      staleIfErrorMs: 50,
      tags: ["t"],
      fetching: false,
      lastFetch: { ok: true },
    });
    expect(byKey['["stale",1]']).toMatchObject({ state: "stale", ageMs: 150 });
    expect(byKey['"broken"']).toMatchObject({ state: "missing", lastFetch: { ok: false, error: "nope" } });
    expect(entries.every((e) => !("value" in e))).toBe(true);
    const withValues = await inspect(isr, { values: true });
    expect(withValues.find((e) => e.key === "fresh")?.value).toEqual({ secret: 4 });
  });

  it("revalidates a listed key by id with the extracted data of its latest fetch", async () => {
    const seen: string[] = [];
    const isr = createIsr<string, string>({
      fetch: (tenant) => {
        seen.push(tenant);
        return `settings of ${tenant}`;
      },
      store: createMemoryStore(),
    });
    await isr.get(["settings", "acme"], "acme");
    const [entry] = await inspect(isr);
    expect(await inspectionOf(isr)?.revalidate(entry?.id ?? "")).toBe("settings of acme");
    expect(seen).toEqual(["acme", "acme"]);
    await expect(inspectionOf(isr)?.revalidate("unknown") as Promise<unknown>).rejects.toThrow(
      "no recent key with id unknown",
    );
    await isr.invalidate(["settings", "acme"]);
    expect(await inspect(isr)).toMatchObject([{ key: ["settings", "acme"], state: "missing" }]);
  });
});

import diagnostics from "node:diagnostics_channel";
import { describe, expect, it } from "vitest";
import { CHANNEL_PREFIX, createIsr, createMemoryStore } from "../../src/index.js";
import { fakeClock, flush } from "../helpers.js";

describe("node:diagnostics_channel", () => {
  it("publishes events on isr-plug:<event> with zero config", async () => {
    const clock = fakeClock();
    const seen: [string, unknown][] = [];
    const names = ["hit", "stale", "miss", "fetchStart", "fetchEnd", "refresh"];
    const subscribers = names.map((name) => {
      const listener = (message: unknown) => seen.push([name, message]);
      diagnostics.subscribe(`${CHANNEL_PREFIX}${name}`, listener);
      return () => diagnostics.unsubscribe(`${CHANNEL_PREFIX}${name}`, listener);
    });
    try {
      const isr = createIsr<number>({
        fetch: () => 7,
        ttlMs: 10,
        namespace: "dc",
        store: createMemoryStore({ now: clock.now }),
        now: clock.now,
      });
      await isr.get("k");
      await isr.get("k");
      clock.advance(10);
      await isr.get("k");
      await flush();
    } finally {
      for (const off of subscribers) off();
    }
    expect(CHANNEL_PREFIX).toBe("isr-plug:");
    expect(seen.map(([name]) => name)).toEqual([
      "miss",
      "fetchStart",
      "fetchEnd",
      "hit",
      "stale",
      "fetchStart",
      "fetchEnd",
      "refresh",
    ]);
    expect(seen[3]?.[1]).toEqual({ namespace: "dc", key: "k", state: "fresh", ageMs: 0 });
  });

  it("traces each origin fetch on the isr-plug:fetch tracing channel, in the caller's context", async () => {
    const tracing = diagnostics.tracingChannel("isr-plug:fetch");
    const seen: string[] = [];
    const handlers = {
      start: (ctx: object) => seen.push(`start ${JSON.stringify(ctx)}`),
      end: () => seen.push("end"),
      asyncStart: () => seen.push("asyncStart"),
      asyncEnd: (ctx: object) => seen.push(`asyncEnd ${(ctx as { result?: unknown }).result}`),
      error: (ctx: object) => seen.push(`error ${(ctx as { error?: Error }).error?.message}`),
    };
    tracing.subscribe(handlers);
    try {
      let calls = 0;
      const isr = createIsr<string>({
        fetch: async () => {
          calls += 1;
          if (calls === 2) throw new Error("boom");
          return "value";
        },
        namespace: "trace",
        store: createMemoryStore(),
      });
      await isr.get("k");
      await isr.invalidate("k");
      await expect(isr.get("k")).rejects.toThrow("boom");
    } finally {
      tracing.unsubscribe(handlers);
    }
    expect(seen).toEqual([
      'start {"namespace":"trace","key":"k","purpose":"miss"}',
      "end",
      "asyncStart",
      "asyncEnd value",
      'start {"namespace":"trace","key":"k","purpose":"miss"}',
      "end",
      "error boom",
      "asyncStart",
      "asyncEnd undefined",
    ]);
  });
});

import { describe, expect, it } from "vitest";
import type { InspectedEntry } from "../../src/engine.js";
import { buildInspector } from "../../src/inspector/handler.js";
import { Shared } from "../../src/inspector/shared.js";
import { INSPECTION, type Inspectable } from "../../src/observe/inspection.js";
import { deferred } from "../helpers.js";
import { action, authorized, fakeClocks, TOKEN, tenantEngine } from "./fixtures.js";

/** An engine whose inspections (one store read per listed entry) are counted. */
function countedEngine(namespace = "settings") {
  const { isr, calls } = tenantEngine(namespace);
  let inspections = 0;
  const open = (isr as unknown as Inspectable<{ secret: string }>)[INSPECTION].bind(isr);
  (isr as unknown as Inspectable<{ secret: string }>)[INSPECTION] = () => {
    const inspection = open();
    return {
      ...inspection,
      entries: (options: { values: boolean }) => {
        inspections++;
        return inspection.entries(options) as Promise<InspectedEntry<{ secret: string }>[]>;
      },
    };
  };
  return { isr, calls, inspections: () => inspections };
}

describe("one shared snapshot per pollMs", () => {
  it("Shared keeps one answer for its period, shares a take still running, and retries after a failure", async () => {
    const clocks = fakeClocks();
    let takes = 0;
    const slow = deferred<number>();
    let next: () => Promise<number> = () => slow.promise;
    const shared = new Shared(
      () => {
        takes++;
        return next();
      },
      1_000,
      clocks.monotonic,
    );
    const first = shared.get();
    clocks.advance(5_000); // a take still running is shared, however long it runs
    expect(shared.get()).toBe(first);
    slow.resolve(1);
    await first;
    expect(takes).toBe(1);
    next = () => Promise.resolve(2);
    expect(await shared.get()).toBe(2); // settled more than a period ago: a new take
    clocks.advance(999);
    expect(await shared.get()).toBe(2);
    expect(takes).toBe(2);
    shared.expire();
    next = () => Promise.reject(new Error("store down"));
    await expect(shared.get()).rejects.toThrow("store down");
    next = () => Promise.resolve(3);
    expect(await shared.get()).toBe(3); // a failure is not kept
    expect(takes).toBe(4);
  });

  it("serves any number of concurrent and repeated polls within pollMs from one read of the entries", async () => {
    const clocks = fakeClocks();
    const settings = countedEngine();
    await settings.isr.get("acme", "acme");
    const inspector = buildInspector({ engines: [settings.isr], token: TOKEN, pollMs: 1_000 }, clocks);
    // Ten tabs polling at once, then again within the period.
    const answers = await Promise.all(Array.from({ length: 10 }, () => inspector.fetch(authorized("/api"))));
    expect(answers.map((r) => r.status)).toEqual(Array(10).fill(200));
    clocks.advance(900);
    expect((await inspector.fetch(authorized("/api"))).status).toBe(200);
    expect(settings.inspections()).toBe(1);
    clocks.advance(200);
    await inspector.fetch(authorized("/api"));
    expect(settings.inspections()).toBe(2);
    inspector.close();
  });

  it("actions find ids in the shared snapshot instead of reading every entry again, and expire it", async () => {
    const clocks = fakeClocks();
    const settings = countedEngine();
    await settings.isr.get("acme", "acme");
    await settings.isr.get("globex", "globex");
    const inspector = buildInspector({ engines: [settings.isr], token: TOKEN, pollMs: 1_000 }, clocks);
    const listed = (await (await inspector.fetch(authorized("/api"))).json()) as {
      namespaces: { entries: { id: string; key: unknown; state: string }[] }[];
    };
    const ids = Object.fromEntries((listed.namespaces[0]?.entries ?? []).map((e) => [e.key as string, e.id]));
    expect(settings.inspections()).toBe(1);
    expect((await inspector.fetch(action("revalidate", "settings", ids.acme ?? ""))).status).toBe(200);
    expect((await inspector.fetch(action("invalidate", "settings", ids.globex ?? ""))).status).toBe(200);
    // Both actions used the snapshot the page had; the first action expired it, so the second read once.
    expect(settings.inspections()).toBe(2);
    // The poll after an action shows the change at once, not a snapshot from before it.
    const after = (await (await inspector.fetch(authorized("/api"))).json()) as typeof listed;
    expect(after.namespaces[0]?.entries.find((e) => e.key === "globex")?.state).toBe("missing");
    expect(settings.calls).toEqual(["acme", "globex", "acme"]);
    inspector.close();
  });
});

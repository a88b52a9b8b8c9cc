import { describe, expect, it } from "vitest";
import { createIsr, createMemoryStore } from "../../src/index.js";
import { inspect } from "../../src/observe/inspection.js";
import { action, BASE, inspectorFor, snapshotOf, TOKEN, tenantEngine } from "./fixtures.js";

async function idOf(isr: ReturnType<typeof tenantEngine>["isr"], key: unknown): Promise<string> {
  const entry = (await inspect(isr)).find((e) => JSON.stringify(e.key) === JSON.stringify(key));
  if (entry === undefined) throw new Error(`no entry for ${JSON.stringify(key)}`);
  return entry.id;
}

describe("inspector actions", () => {
  it("revalidate fetches the key again with its latest extracted data and stores the new value", async () => {
    const { isr, calls } = tenantEngine();
    await isr.get(["tenant", "acme"], "acme");
    const inspector = inspectorFor([isr]);
    const response = await inspector.fetch(
      action("revalidate", "settings", await idOf(isr, ["tenant", "acme"])),
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
    expect(calls).toEqual(["acme", "acme"]);
    expect(await isr.get(["tenant", "acme"], "acme")).toMatchObject({
      state: "fresh",
      value: { secret: "acme #2" },
    });
  });

  it("invalidate drops the entry (the key stays listed, as missing): the next get is a miss", async () => {
    const { isr, calls } = tenantEngine();
    await isr.get(["tenant", "acme"], "acme");
    await isr.get(["tenant", "globex"], "globex");
    const inspector = inspectorFor([isr]);
    const response = await inspector.fetch(
      action("invalidate", "settings", await idOf(isr, ["tenant", "acme"])),
    );
    expect(response.status).toBe(200);
    const entries = (await snapshotOf(inspector.fetch)).namespaces[0]?.entries ?? [];
    expect(entries.map((e) => [e.key, e.state])).toEqual([
      [["tenant", "globex"], "fresh"],
      [["tenant", "acme"], "missing"],
    ]);
    expect(await isr.get(["tenant", "acme"], "acme")).toMatchObject({ state: "miss" });
    expect(calls).toEqual(["acme", "globex", "acme"]);
  });

  it("a failed revalidation answers 502 with the origin's error and keeps the entry's last error", async () => {
    const { isr } = tenantEngine();
    await expect(isr.get("down", "down")).rejects.toThrow("origin down for down");
    const inspector = inspectorFor([isr]);
    const response = await inspector.fetch(action("revalidate", "settings", await idOf(isr, "down")));
    expect(response.status).toBe(502);
    expect(await response.json()).toEqual({ ok: false, error: "origin down for down" });
    const [entry] = (await snapshotOf(inspector.fetch)).namespaces[0]?.entries ?? [];
    expect(entry).toMatchObject({
      state: "missing",
      lastFetch: { ok: false, error: "origin down for down" },
    });
  });

  it("answers 404 for an unknown engine or id, 400 without id, 405 for the wrong method", async () => {
    const { isr } = tenantEngine();
    await isr.get("k", "acme");
    const inspector = inspectorFor([isr]);
    const id = await idOf(isr, "k");
    const answers = async (request: Request) => {
      const response = await inspector.fetch(request);
      return [response.status, await response.json()];
    };
    expect(await answers(action("revalidate", "nope", id))).toEqual([404, { error: "unknown engine" }]);
    expect(await answers(action("invalidate", "settings", "unknown"))).toEqual([
      404,
      { error: "unknown id" },
    ]);
    expect(await answers(action("revalidate", "settings", ""))).toEqual([400, { error: "missing id" }]);
    const viaGet = new Request(action("invalidate", "settings", id).url, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const response = await inspector.fetch(viaGet);
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("POST");
    const postPage = await inspector.fetch(
      new Request(BASE, { method: "POST", headers: { authorization: `Bearer ${TOKEN}` } }),
    );
    expect(postPage.status).toBe(405);
    expect(
      await answers(new Request(`${BASE}/nope`, { headers: { authorization: `Bearer ${TOKEN}` } })),
    ).toEqual([404, { error: "not found" }]);
    expect(await isr.get("k", "acme")).toMatchObject({ state: "fresh", value: { secret: "acme #1" } });
  });

  it("invalidates by tag, hard (misses) or soft (served stale while it refreshes), and refuses a bad mode or tag", async () => {
    const { isr: pages } = tenantEngine("pages");
    let versions = 0;
    const tagged = createIsr<string, string>({
      namespace: "tagged",
      store: createMemoryStore(),
      ttlMs: 60_000,
      staleTtlMs: 60_000,
      tags: (_value, tenant) => ["settings", `tenant:${tenant}`],
      fetch: (tenant) => `${tenant} v${++versions}`,
    });
    await tagged.get("acme", "acme");
    await tagged.get("globex", "globex");
    const inspector = inspectorFor({ tagged, pages });
    const soft = await inspector.fetch(tagAction("tagged", "tenant:acme", "soft"));
    expect([soft.status, await soft.json()]).toEqual([200, { ok: true }]);
    expect(await tagged.get("acme", "acme")).toMatchObject({ state: "stale", value: "acme v1" });
    expect(await tagged.get("globex", "globex")).toMatchObject({ state: "fresh" });
    // Hard is the default mode.
    expect((await inspector.fetch(tagAction("tagged", "settings"))).status).toBe(200);
    expect(await tagged.get("globex", "globex")).toMatchObject({ state: "miss" });

    const answers = async (request: Request) => {
      const response = await inspector.fetch(request);
      return [response.status, await response.json()];
    };
    expect(await answers(tagAction("tagged", "settings", "sideways"))).toEqual([
      400,
      { error: 'mode must be "hard" or "soft"' },
    ]);
    expect(await answers(tagAction("tagged", ""))).toEqual([400, { error: "missing tag" }]);
    expect(await answers(tagAction("nope", "settings"))).toEqual([404, { error: "unknown engine" }]);
    const [status, body] = await answers(tagAction("tagged", "x".repeat(10_000)));
    expect(status).toBe(400);
    expect((body as { error: string }).error).toMatch(/^isr-plug: /);
    const withoutHeader = new Request(tagAction("tagged", "settings").url, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect((await inspector.fetch(withoutHeader)).status).toBe(403);
  });
});

function tagAction(engine: string, tag: string, mode?: string): Request {
  const query = new URLSearchParams({ engine, tag, ...(mode === undefined ? {} : { mode }) });
  return new Request(`${BASE}/api/invalidate-tag?${query}`, {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}`, "x-isr-inspector": "1" },
  });
}

import { createIsr, createMemoryStore, type Isr } from "../../src/index.js";
import type { InspectorOptions } from "../../src/inspector/options.js";
import type { InspectorSnapshot } from "../../src/inspector/snapshot.js";
import { createInspector } from "../../src/inspector.js";
import { recordingLogger } from "../helpers.js";

export const TOKEN = "test-token-0123456789abcdef";
export const BASE = "http://inspector.test/isr-inspector";

/** An engine whose fetch answers `<tenant> #<call>` and fails for the tenant "down". */
export function tenantEngine(namespace = "settings", options: { ttlMs?: number; staleTtlMs?: number } = {}) {
  const calls: string[] = [];
  const isr: Isr<{ secret: string }, string> = createIsr({
    namespace,
    store: createMemoryStore(),
    logger: recordingLogger(),
    ttlMs: options.ttlMs ?? 60_000,
    staleTtlMs: options.staleTtlMs ?? 60_000,
    fetch: (tenant) => {
      calls.push(tenant);
      if (tenant === "down") throw new Error(`origin down for ${tenant}`);
      return { secret: `${tenant} #${calls.length}` };
    },
  });
  return { isr, calls };
}

export function inspectorFor(engines: InspectorOptions["engines"], options: Partial<InspectorOptions> = {}) {
  return createInspector({ engines, token: TOKEN, ...options });
}

export function get(path: string, headers: Record<string, string> = {}): Request {
  return new Request(`${BASE}${path}`, { headers });
}

export function authorized(path: string, headers: Record<string, string> = {}): Request {
  return get(path, { authorization: `Bearer ${TOKEN}`, ...headers });
}

export function action(kind: "invalidate" | "revalidate", engine: string, id: string): Request {
  const query = new URLSearchParams({ engine, id });
  return new Request(`${BASE}/api/${kind}?${query}`, {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}`, "x-isr-inspector": "1" },
  });
}

export async function snapshotOf(fetch: (r: Request) => Promise<Response>): Promise<InspectorSnapshot> {
  const response = await fetch(authorized("/api"));
  if (response.status !== 200) throw new Error(`GET /api answered ${response.status}`);
  return (await response.json()) as InspectorSnapshot;
}

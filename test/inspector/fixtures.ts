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

/** `POST /session` with the token: the `name=value` of the cookie it sets, and the whole Set-Cookie. */
export async function signIn(
  fetch: (r: Request) => Promise<Response>,
  options: { base?: string; headers?: Record<string, string>; token?: string } = {},
): Promise<{ cookie: string; setCookie: string }> {
  const { base = BASE, headers = {}, token = TOKEN } = options;
  const response = await fetch(
    new Request(`${base}/session`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "x-isr-inspector": "1", ...headers },
    }),
  );
  if (response.status !== 204) throw new Error(`POST /session answered ${response.status}`);
  const setCookie = response.headers.get("set-cookie") ?? "";
  return { cookie: setCookie.split(";")[0] ?? "", setCookie };
}

/** Clocks a test moves by hand: monotonic (rates, shared snapshots) and wall (cookies). */
export function fakeClocks(wallStart = Date.UTC(2030, 0, 1)) {
  let elapsed = 0;
  return {
    monotonic: () => elapsed,
    wall: () => wallStart + elapsed,
    advance(ms: number) {
      elapsed += ms;
    },
  };
}

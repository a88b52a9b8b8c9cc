/** What every benchmarked app shares: the route's answer, the variants, and the origin. */
import { type Settings, settingsFor } from "../lib/workload.js";

/**
 * `bare` (no cache), `plug` (isr-plug's own middleware on a memory store), `plug:redis` (the
 * same on the Redis store, Fastify only), or `hook:<peer>` (a peer awaited in a hook).
 */
export type Variant = "bare" | "plug" | "plug:redis" | `hook:${string}`;

export interface RunningApp {
  port: number;
  close(): Promise<void>;
}

export const TENANT_HEADER = "x-tenant";
export const FALLBACK_TENANT = "tenant-0";
/** Fresh hits only: nothing goes stale during a run. */
export const TTL_MS = 600_000;
export const STALE_TTL_MS = 3_600_000;

/**
 * The bare app answers from this instead of a cache: the same fields, so every variant
 * sends the same body and only the lookup differs.
 */
const BARE: Settings = settingsFor(FALLBACK_TENANT);

/** GET /settings: the measured route. */
export function answer(settings: Settings | undefined | null): { plan: string; seats: number } {
  const s = settings ?? BARE;
  return { plan: s.plan, seats: s.seats };
}

/** GET /check: which tenant's settings the request carried, so the harness can verify a variant works. */
export function check(settings: Settings | undefined | null): { tenant: string | null } {
  return { tenant: settings?.tenant ?? null };
}

/** The origin behind every cache: immediate, so only misses would cost anything. */
export const origin = async (key: string): Promise<Settings> => settingsFor(key);

export function tenantOf(header: string | string[] | undefined): string {
  return typeof header === "string" ? header : FALLBACK_TENANT;
}

export function peerOf(variant: Variant): string | undefined {
  return variant.startsWith("hook:") ? variant.slice("hook:".length) : undefined;
}

import type { CacheKey } from "../key.js";
import type { FetchPurpose } from "../stores/store.js";
import type { InvalidationMode } from "../tags.js";

interface Base {
  namespace: string;
  key: CacheKey;
}

/** Every event an engine emits, by name, with its payload. */
export interface IsrEvents {
  /** A fresh value was served. */
  hit: Base & { state: "fresh"; ageMs: number };
  /** A stale value was served (a background refresh runs, unless one already does or backoff holds it). */
  stale: Base & { state: "stale"; ageMs: number };
  /** A request needed a fetch: the key was missing, too stale or invalidated. */
  miss: Base & { state: "miss" };
  /** An older value was served because the fetch failed or passed `softTimeoutMs`. */
  staleIfError: Base & { state: "stale"; ageMs: number; error: unknown };
  /** This process calls `fetch` for a key. */
  fetchStart: Base & { purpose: FetchPurpose };
  /** A `fetch` settled. `stored` says whether its value was written to the store. */
  fetchEnd: Base & {
    purpose: FetchPurpose;
    durationMs: number;
    ok: boolean;
    error?: unknown;
    stored: boolean;
  };
  /** A background refresh stored a new value; `lagMs` is how long the old one had been stale. */
  refresh: Base & { durationMs: number; lagMs: number };
  /** A background refresh failed; the stale value is kept. */
  refreshError: Base & { durationMs: number; error: unknown };
  /** A fetch passed `timeoutMs` (aborted) or, with `soft`, `softTimeoutMs`. */
  timeout: Base & { timeoutMs: number; soft: boolean };
  /** The store dropped one of this namespace's entries to stay bounded, or because it expired. */
  evict: Base & { reason: "capacity" | "expired" };
  /** `invalidate(key)` was called. */
  invalidate: Base;
  /** `invalidateTag(tag)` was called. */
  invalidateTag: { namespace: string; tag: string; mode: InvalidationMode };
}

export type IsrEventName = keyof IsrEvents;

export type IsrListener<N extends IsrEventName> = (event: IsrEvents[N]) => void;

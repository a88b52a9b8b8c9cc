/**
 * The JSON the page and the sign-in page read, as they read it. Unbounded durations
 * (`Infinity` on the server) arrive as `null`. test/types/inspector-wire.test-d.ts checks
 * these against the server's own types, so the two cannot drift apart.
 */

/** The page's settings, in `<script type="application/json" id="isr-config">`. */
export interface PageConfig {
  basePath: string;
  pollMs: number;
  showValues: boolean;
  /** Whether a session cookie can be ended from the page (a token is configured). */
  signOut: boolean;
}

/** The sign-in page's settings, in the same element. */
export interface LoginConfig {
  basePath: string;
  usesToken: boolean;
  /** The request carried `?token=`, which is ignored: the page says so. */
  tokenInQuery: boolean;
}

/** Milliseconds, or null for unbounded. */
type Ms = number | null;

export type WireKey = string | readonly (string | number)[];

/** What an entry row shows: an entry of this process or of the shared store. */
export interface RowEntry {
  key: WireKey;
  state: "fresh" | "stale" | "stale-if-error" | "expired" | "missing";
  ageMs?: number | undefined;
  ttlMs?: Ms | undefined;
  staleTtlMs?: Ms | undefined;
  staleIfErrorMs?: Ms | undefined;
  tags?: readonly string[] | undefined;
  fetching?: boolean;
}

export interface WireLastFetch {
  agoMs: number;
  durationMs: number;
  ok: boolean;
  error?: string | undefined;
}

export interface WireEntry extends RowEntry {
  id: string;
  fetching: boolean;
  lastFetch?: WireLastFetch | undefined;
  value?: string | undefined;
  valueTruncated?: boolean | undefined;
  valueError?: string | undefined;
}

export interface WireHistogram {
  count: number;
  sumMs: number;
  buckets: { le: Ms; count: number }[];
}

export interface WireStats {
  served: { fresh: number; stale: number; miss: number; staleIfError: number };
  errors: number;
  hitRatio: number;
  fetches: {
    started: number;
    succeeded: number;
    failed: number;
    timedOut: number;
    inFlight: number;
    queued: number;
  };
  refreshes: { succeeded: number; failed: number };
  storeEntries?: number | undefined;
  evictions: number;
  ageMs: WireHistogram;
  refreshLagMs: WireHistogram;
}

export interface WireRates {
  hits: number;
  staleServes: number;
  misses: number;
  staleIfError: number;
  fetchErrors: number;
}

export interface WireRateWindow {
  windowMs: number;
  coveredMs: number;
  perSecond: WireRates | null;
  fetchDuration: { count: number; p50Ms: Ms; p99Ms: Ms };
}

export interface WireNamespace {
  name: string;
  namespace: string;
  stats: WireStats;
  rates: WireRateWindow[];
  fleet: boolean;
  entries: WireEntry[];
  error?: string | undefined;
}

export interface WireSnapshot {
  showValues: boolean;
  namespaces: WireNamespace[];
}

export interface WireFleetEntry extends RowEntry {
  local: boolean;
}

export interface WireFleetView {
  entries: WireFleetEntry[];
  truncated: boolean;
  limit: number;
  error?: string | undefined;
}

import { ageOf, Standing, standingOf } from "../entry.js";
import { type CacheKey, decodeKey, namespacePrefix } from "../key.js";
import type { EntryScan, ScanEntriesOptions } from "../stores/redis/scan.js";
import { TagVerdict } from "../tags.js";
import type { InspectableEngine } from "./options.js";
import { messageOf } from "./snapshot.js";

/** Most entries one fleet view reads from the store. */
export const FLEET_LIMIT = 1_000;

/** A store that can list the entries it holds for every process (the Redis store). */
interface FleetScanner {
  scanEntries(options: ScanEntriesOptions): Promise<EntryScan>;
}

export function scannerOf(engine: InspectableEngine): FleetScanner | undefined {
  const store = engine.store as Partial<FleetScanner> | null | undefined;
  return typeof store?.scanEntries === "function" ? (store as FleetScanner) : undefined;
}

/** One entry of the shared store, whichever process wrote it. */
export interface FleetEntry {
  key: CacheKey;
  /** From the entry's times alone: tag invalidations are not applied here. */
  state: "fresh" | "stale" | "stale-if-error" | "expired";
  ageMs: number;
  ttlMs: number;
  staleTtlMs: number;
  staleIfErrorMs: number;
  tags?: readonly string[];
  /** Whether this process fetched the key recently (it is in the per-process list too). */
  local: boolean;
}

/** What `GET <basePath>/api/fleet?engine=<name>` answers. */
export interface FleetView {
  name: string;
  namespace: string;
  entries: FleetEntry[];
  /** The scan stopped at `limit` entries or its bound on SCAN calls. */
  truncated: boolean;
  limit: number;
  /** Set when the store could not be read; `entries` is then empty. */
  error?: string;
}

const STATES = ["fresh", "stale", "stale-if-error", "expired"] as const;

export async function readFleet(
  name: string,
  engine: InspectableEngine,
  scanner: FleetScanner,
  localKeys: ReadonlySet<string>,
): Promise<FleetView> {
  const view: FleetView = {
    name,
    namespace: engine.namespace,
    entries: [],
    truncated: false,
    limit: FLEET_LIMIT,
  };
  const prefix = namespacePrefix(engine.namespace);
  let scan: EntryScan;
  try {
    scan = await scanner.scanEntries({ storeKeyPrefix: prefix, limit: FLEET_LIMIT });
  } catch (error) {
    view.error = messageOf(error);
    return view;
  }
  view.truncated = scan.truncated;
  for (const { storeKey, entry } of scan.entries) {
    const key = decodeKey(prefix, storeKey);
    if (key === undefined) continue;
    const standing = standingOf(entry, scan.now, TagVerdict.None);
    const listed: FleetEntry = {
      key,
      state: STATES[standing === Standing.Gone ? 3 : standing] ?? "expired",
      ageMs: ageOf(entry, scan.now),
      ttlMs: entry.staleAt - entry.storedAt,
      staleTtlMs: entry.expiresAt - entry.staleAt,
      staleIfErrorMs: (entry.staleIfErrorUntil ?? entry.expiresAt) - entry.expiresAt,
      local: localKeys.has(keyId(key)),
    };
    if (entry.tags !== undefined) listed.tags = entry.tags;
    view.entries.push(listed);
  }
  view.entries.sort((a, b) => (keyId(a.key) < keyId(b.key) ? -1 : 1));
  return view;
}

/** Two keys are the same key when their JSON is. */
export function keyId(key: CacheKey): string {
  return JSON.stringify(key);
}

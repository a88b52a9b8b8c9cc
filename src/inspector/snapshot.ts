import type { InspectedEntry } from "../engine.js";
import type { IsrStats } from "../observe/stats.js";
import type { DurationWindow } from "./durations.js";
import type { NamedEngine } from "./options.js";
import type { RateSampler, RateWindow } from "./rates.js";

/** A value's JSON is cut at this many characters: the page shows it, it is not an export. */
export const MAX_VALUE_CHARS = 4_096;

/**
 * One entry as the JSON endpoint lists it. Durations that are unbounded (`Infinity`) are
 * `null` in JSON, like the `+Inf` bucket bounds of `stats`.
 */
export interface InspectorEntry extends Omit<InspectedEntry<unknown>, "value"> {
  /** The value's JSON text, with `showValues` only; cut at 4 KiB (see `valueTruncated`). */
  value?: string;
  valueTruncated?: boolean;
  /** Why `value` is missing although `showValues` is on (not serializable). */
  valueError?: string;
}

export interface InspectorNamespace {
  /** The name the inspector shows and its actions take (`engine=`). */
  name: string;
  namespace: string;
  stats: IsrStats;
  /** Rates over the last minute and the last five, from `stats` sampled by the inspector. */
  rates: RateWindow[];
  /** Whether `GET <basePath>/api/fleet?engine=<name>` lists the shared store's entries. */
  fleet: boolean;
  entries: InspectorEntry[];
  /** Set when the engine could not be inspected; `entries` is then empty. */
  error?: string;
}

/** What `GET <basePath>/api` answers. */
export interface InspectorSnapshot {
  /** The server's wall clock (ms since the epoch) when the snapshot was taken. */
  now: number;
  /** Pages and scripts polling within this long of each other share one snapshot. */
  pollMs: number;
  showValues: boolean;
  namespaces: InspectorNamespace[];
}

/** An engine as the inspector watches it: its fetch durations and sampled counters. */
export interface WatchedEngine extends NamedEngine {
  durations: DurationWindow;
  sampler: RateSampler;
  fleet: boolean;
}

export interface SnapshotClocks {
  /** Monotonic ms, for rates. */
  at: number;
  /** Wall clock ms since the epoch, shown as `now`. */
  wallNow: number;
}

export async function takeSnapshot(
  engines: WatchedEngine[],
  options: { showValues: boolean; pollMs: number },
  clocks: SnapshotClocks,
): Promise<InspectorSnapshot> {
  const { showValues, pollMs } = options;
  const namespaces = await Promise.all(
    engines.map(
      async ({ name, engine, inspection, durations, sampler, fleet }): Promise<InspectorNamespace> => {
        const stats = engine.stats();
        const rates = sampler.observe(clocks.at, stats, durations);
        const listedAs = { name, namespace: engine.namespace, stats, rates, fleet };
        // A custom store's failure in one engine must not blank the page for the others.
        try {
          const entries = await inspection.entries({ values: showValues });
          return { ...listedAs, entries: entries.map((e) => listed(e, showValues)) };
        } catch (error) {
          return { ...listedAs, entries: [], error: messageOf(error) };
        }
      },
    ),
  );
  return { now: clocks.wallNow, pollMs, showValues, namespaces };
}

function listed(entry: InspectedEntry<unknown>, showValues: boolean): InspectorEntry {
  const { value, ...rest } = entry;
  // Dropped here too, not only by asking inspect() without values: an engine that hands
  // values out anyway must not get them rendered.
  if (!showValues || !("value" in entry)) return rest;
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    return { ...rest, valueError: `not serializable as JSON: ${messageOf(error)}` };
  }
  if (text === undefined) return { ...rest, valueError: `not serializable as JSON: ${typeof value}` };
  if (text.length <= MAX_VALUE_CHARS) return { ...rest, value: text };
  return { ...rest, value: text.slice(0, MAX_VALUE_CHARS), valueTruncated: true };
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

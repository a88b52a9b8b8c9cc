import type { InspectedEntry } from "../engine.js";
import type { IsrStats } from "../observe/stats.js";
import type { NamedEngine } from "./options.js";

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
  entries: InspectorEntry[];
  /** Set when the engine could not be inspected; `entries` is then empty. */
  error?: string;
}

/** What `GET <basePath>/api` answers. */
export interface InspectorSnapshot {
  /** The server's clock (ms since the epoch), for `lastFetch.at`. */
  now: number;
  showValues: boolean;
  namespaces: InspectorNamespace[];
}

export async function takeSnapshot(engines: NamedEngine[], showValues: boolean): Promise<InspectorSnapshot> {
  const namespaces = await Promise.all(
    engines.map(async ({ name, engine }): Promise<InspectorNamespace> => {
      const stats = engine.stats();
      // A custom store's failure in one engine must not blank the page for the others.
      try {
        const entries = await engine.inspect({ values: showValues });
        return {
          name,
          namespace: engine.namespace,
          stats,
          entries: entries.map((e) => listed(e, showValues)),
        };
      } catch (error) {
        return { name, namespace: engine.namespace, stats, entries: [], error: messageOf(error) };
      }
    }),
  );
  return { now: Date.now(), showValues, namespaces };
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

/**
 * Recipe: export `isr.stats()` to Prometheus with prom-client, read at scrape time (nothing
 * runs per request). Copy this file; in your app import the types from "isr-plug".
 */
import { Counter, Gauge, type Metric, type Registry } from "prom-client";
import type { HistogramSnapshot, IsrStats } from "../../src/index.js";

/** Anything with `stats()`: an engine from `createIsr`, or an adapter's `middleware.isr`. */
export interface StatsSource {
  readonly namespace: string;
  stats(): IsrStats;
}

export interface IsrMetricsOptions {
  registry: Registry;
  /** @default "isr_plug_" */
  prefix?: string;
}

type Labels = Record<string, string>;
type Sample = { labels: Labels; value: number };

/**
 * Registers the metrics of `engines` on `registry`, labelled by namespace; returns a function
 * that removes them. Durations are exported in seconds, Prometheus's base unit.
 */
export function registerIsrMetrics(engines: readonly StatsSource[], options: IsrMetricsOptions): () => void {
  const { registry, prefix = "isr_plug_" } = options;
  const namespaces = engines.map((engine) => engine.namespace);
  if (new Set(namespaces).size !== namespaces.length) {
    // Two engines under one label would overwrite each other's gauges.
    throw new TypeError(`registerIsrMetrics: namespaces must be unique, got ${namespaces.join(", ")}`);
  }
  // stats() is a handful of reads: each metric takes its own at scrape time.
  const read = (): IsrStats[] => engines.map((engine) => engine.stats());
  const per =
    (pick: (s: IsrStats) => Sample[]): (() => Sample[]) =>
    () =>
      read().flatMap(pick);
  const ns = (s: IsrStats, extra: Labels = {}): Labels => ({ namespace: s.namespace, ...extra });

  const names: string[] = [];
  const counter = (name: string, help: string, labelNames: string[], samples: () => Sample[]) => {
    names.push(prefix + name);
    new Counter({
      name: prefix + name,
      help,
      labelNames: ["namespace", ...labelNames],
      registers: [registry],
      // Counters have no set(): reset, then add the engine's running total.
      collect() {
        this.reset();
        for (const { labels, value } of samples()) this.inc(labels, value);
      },
    });
  };
  const gauge = (name: string, help: string, samples: () => Sample[]) => {
    names.push(prefix + name);
    new Gauge({
      name: prefix + name,
      help,
      labelNames: ["namespace"],
      registers: [registry],
      collect() {
        this.reset();
        for (const { labels, value } of samples()) this.set(labels, value);
      },
    });
  };
  const histogram = (name: string, help: string, pick: (s: IsrStats) => HistogramSnapshot) => {
    names.push(prefix + name);
    registry.registerMetric(presetHistogram(prefix + name, help, () => read().map((s) => [ns(s), pick(s)])));
  };

  counter(
    "requests_total",
    "Requests served by how: fresh, stale, miss (waited for a fetch), stale_if_error (older value on error), error.",
    ["outcome"],
    per((s) => [
      ...(
        [
          ["fresh", "fresh"],
          ["stale", "stale"],
          ["miss", "miss"],
          ["stale_if_error", "staleIfError"],
        ] as const
      ).map(([outcome, served]) => ({
        labels: ns(s, { outcome }),
        value: s.served[served],
      })),
      { labels: ns(s, { outcome: "error" }), value: s.errors },
    ]),
  );
  counter(
    "fetches_total",
    "Origin fetches that settled, by outcome.",
    ["outcome"],
    per((s) => [
      { labels: ns(s, { outcome: "succeeded" }), value: s.fetches.succeeded },
      { labels: ns(s, { outcome: "failed" }), value: s.fetches.failed },
    ]),
  );
  counter(
    "fetch_timeouts_total",
    "Fetches aborted at timeoutMs.",
    [],
    per((s) => [{ labels: ns(s), value: s.fetches.timedOut }]),
  );
  counter(
    "refreshes_total",
    "Background refreshes, by outcome.",
    ["outcome"],
    per((s) => [
      { labels: ns(s, { outcome: "succeeded" }), value: s.refreshes.succeeded },
      { labels: ns(s, { outcome: "failed" }), value: s.refreshes.failed },
    ]),
  );
  counter(
    "evictions_total",
    "Entries the store dropped (capacity or expiry).",
    [],
    per((s) => [{ labels: ns(s), value: s.evictions }]),
  );
  gauge(
    "fetches_in_flight",
    "Origin fetches running now.",
    per((s) => [{ labels: ns(s), value: s.fetches.inFlight }]),
  );
  gauge(
    "fetches_queued",
    "Fetches waiting for a slot (maxConcurrentFetches).",
    per((s) => [{ labels: ns(s), value: s.fetches.queued }]),
  );
  gauge(
    "store_entries",
    "Entries in the store (shared by the namespaces of one store), when it can tell.",
    per((s) => (s.storeEntries === undefined ? [] : [{ labels: ns(s), value: s.storeEntries }])),
  );
  histogram("served_age_seconds", "Age of the values served from the cache.", (s) => s.ageMs);
  histogram(
    "refresh_lag_seconds",
    "How long values had been stale when a refresh replaced them.",
    (s) => s.refreshLagMs,
  );
  return () => {
    for (const name of names) registry.removeSingleMetric(name);
  };
}

/**
 * A histogram whose buckets are already counted (by the engine): prom-client's Histogram
 * only counts its own observations, so this is a metric object of the shape the registry
 * reads (`get()` with `_bucket`/`_sum`/`_count` values), converted from ms to seconds.
 */
function presetHistogram(
  name: string,
  help: string,
  read: () => [Labels, HistogramSnapshot][],
): Metric<string> {
  const describe = () => {
    const values = read().flatMap(([labels, snapshot]) => [
      ...snapshot.buckets.map((bucket) => ({
        metricName: `${name}_bucket`,
        labels: { ...labels, le: Number.isFinite(bucket.le) ? bucket.le / 1_000 : "+Inf" },
        value: bucket.count,
      })),
      { metricName: `${name}_sum`, labels, value: snapshot.sumMs / 1_000 },
      { metricName: `${name}_count`, labels, value: snapshot.count },
    ]);
    return { name, help, type: "histogram", aggregator: "sum", values };
  };
  const metric = {
    name,
    help,
    type: "histogram",
    aggregator: "sum",
    get: async () => describe(),
    reset() {},
  };
  return metric as unknown as Metric<string>;
}

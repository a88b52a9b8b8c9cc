import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createMetricsApp } from "../../examples/metrics/app.js";
import { registerIsrMetrics } from "../../examples/metrics/prometheus.js";
import { createIsr, createMemoryStore } from "../../src/index.js";
import { countingFetch, fakeClock, flush, httpGet, listen, recordingLogger } from "../helpers.js";

/** The sample lines of one metric family, without HELP/TYPE. */
function samples(text: string, family: string): string[] {
  return text.split("\n").filter((line) => line.startsWith(family) && !line.startsWith("#"));
}

describe("recipe: isr.stats() in Prometheus with prom-client", () => {
  it("exports counters, gauges and the age histograms, read from stats() at scrape time", async () => {
    const clock = fakeClock();
    const source = countingFetch((n) => (n === 3 ? Promise.reject(new Error("origin down")) : n));
    const isr = createIsr<number, string>({
      namespace: "settings",
      fetch: source.fetch,
      ttlMs: 1_000,
      store: createMemoryStore({ now: clock.now }),
      logger: recordingLogger(),
      now: clock.now,
    });
    const registry = new Registry();
    registerIsrMetrics([isr], { registry });

    await isr.get("a", "a"); // miss (fetch 1)
    clock.advance(50);
    await isr.get("a", "a"); // fresh, age 50 ms
    clock.advance(2_950);
    await isr.get("a", "a"); // stale, age 3 s: refresh (fetch 2), 2 s late
    await flush();
    await expect(isr.get("b", "b")).rejects.toThrow("origin down"); // error (fetch 3)

    const text = await registry.metrics();
    expect(text).toContain("# TYPE isr_plug_requests_total counter");
    expect(samples(text, "isr_plug_requests_total")).toEqual([
      'isr_plug_requests_total{namespace="settings",outcome="fresh"} 1',
      'isr_plug_requests_total{namespace="settings",outcome="stale"} 1',
      'isr_plug_requests_total{namespace="settings",outcome="miss"} 1',
      'isr_plug_requests_total{namespace="settings",outcome="stale_if_error"} 0',
      'isr_plug_requests_total{namespace="settings",outcome="error"} 1',
    ]);
    expect(samples(text, "isr_plug_fetches_total")).toEqual([
      'isr_plug_fetches_total{namespace="settings",outcome="succeeded"} 2',
      'isr_plug_fetches_total{namespace="settings",outcome="failed"} 1',
    ]);
    expect(samples(text, "isr_plug_refreshes_total")).toEqual([
      'isr_plug_refreshes_total{namespace="settings",outcome="succeeded"} 1',
      'isr_plug_refreshes_total{namespace="settings",outcome="failed"} 0',
    ]);
    expect(samples(text, "isr_plug_fetches_in_flight")).toEqual([
      'isr_plug_fetches_in_flight{namespace="settings"} 0',
    ]);
    expect(samples(text, "isr_plug_store_entries")).toEqual([
      'isr_plug_store_entries{namespace="settings"} 1',
    ]);
    expect(text).toContain("# TYPE isr_plug_served_age_seconds histogram");
    expect(samples(text, "isr_plug_served_age_seconds")).toEqual([
      'isr_plug_served_age_seconds_bucket{namespace="settings",le="0.1"} 1',
      'isr_plug_served_age_seconds_bucket{namespace="settings",le="1"} 1',
      'isr_plug_served_age_seconds_bucket{namespace="settings",le="10"} 2',
      'isr_plug_served_age_seconds_bucket{namespace="settings",le="60"} 2',
      'isr_plug_served_age_seconds_bucket{namespace="settings",le="600"} 2',
      'isr_plug_served_age_seconds_bucket{namespace="settings",le="3600"} 2',
      'isr_plug_served_age_seconds_bucket{namespace="settings",le="86400"} 2',
      'isr_plug_served_age_seconds_bucket{namespace="settings",le="+Inf"} 2',
      'isr_plug_served_age_seconds_sum{namespace="settings"} 3.05',
      'isr_plug_served_age_seconds_count{namespace="settings"} 2',
    ]);
    expect(samples(text, "isr_plug_refresh_lag_seconds_sum")).toEqual([
      'isr_plug_refresh_lag_seconds_sum{namespace="settings"} 2',
    ]);

    // Counters follow the engine between scrapes (they are not added up twice).
    await isr.get("a", "a");
    expect(
      samples(await registry.metrics(), 'isr_plug_requests_total{namespace="settings",outcome="fresh"}'),
    ).toEqual(['isr_plug_requests_total{namespace="settings",outcome="fresh"} 2']);
    const json = await registry.getMetricsAsJSON();
    expect(json.map((m) => m.name)).toContain("isr_plug_served_age_seconds");
  });

  it("labels several engines by namespace, refuses two of one namespace, and unregisters", async () => {
    const registry = new Registry();
    const engine = (namespace: string) =>
      createIsr<number>({ namespace, fetch: () => 1, store: createMemoryStore() });
    const [a, b] = [engine("a"), engine("b")];
    const unregister = registerIsrMetrics([a, b], { registry, prefix: "app_cache_" });
    await a.get("k");
    const text = await registry.metrics();
    expect(samples(text, "app_cache_requests_total").filter((l) => l.includes('outcome="miss"'))).toEqual([
      'app_cache_requests_total{namespace="a",outcome="miss"} 1',
      'app_cache_requests_total{namespace="b",outcome="miss"} 0',
    ]);
    expect(() => registerIsrMetrics([a, engine("a")], { registry: new Registry() })).toThrow(
      "namespaces must be unique, got a, a",
    );
    unregister();
    expect(await registry.metrics()).toBe("\n");
  });

  it("is scraped over HTTP from the example Express app", async () => {
    const { app, isr } = createMetricsApp(async (tenant) => ({ theme: `${tenant}-dark` }));
    const server = await listen((port, host, ready) => app.listen(port, host, ready));
    try {
      expect((await httpGet(`${server.url}/settings`, { "x-tenant": "acme" })).body).toBe(
        '{"theme":"acme-dark"}',
      );
      await httpGet(`${server.url}/settings`, { "x-tenant": "acme" });
      const scraped = await httpGet(`${server.url}/metrics`);
      expect(scraped.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(samples(scraped.body, "isr_plug_requests_total").slice(0, 3)).toEqual([
        'isr_plug_requests_total{namespace="settings",outcome="fresh"} 1',
        'isr_plug_requests_total{namespace="settings",outcome="stale"} 0',
        'isr_plug_requests_total{namespace="settings",outcome="miss"} 1',
      ]);
    } finally {
      await server.close();
      await isr.close();
    }
  });
});

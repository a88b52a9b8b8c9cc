/**
 * The recipes wired into an Express app: `GET /settings` is cached by isr-plug, `GET /metrics`
 * is what Prometheus scrapes. Tracing is process-wide: call `traceIsrFetches()` once at
 * start-up, after your OpenTelemetry SDK is set up.
 */
import express from "express";
import { Registry } from "prom-client";
import { isrPlug } from "../../src/adapters/express.js";
import { registerIsrMetrics } from "./prometheus.js";

export interface Settings {
  theme: string;
}

export function createMetricsApp(loadSettings: (tenant: string) => Promise<Settings>) {
  const registry = new Registry();
  const settings = isrPlug<Settings, string>({
    namespace: "settings",
    ttlMs: 60_000,
    fetch: (tenant) => loadSettings(tenant),
    extract: (req) => String(req.headers["x-tenant"] ?? "default"),
    cacheKey: (req) => ["settings", String(req.headers["x-tenant"] ?? "default")],
    apply: (_req, res, value) => {
      res.locals.settings = value;
    },
  });
  registerIsrMetrics([settings.isr], { registry });

  const app = express();
  app.get("/settings", settings, (_req, res) => {
    res.json(res.locals.settings);
  });
  app.get("/metrics", async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
  return { app, registry, isr: settings.isr };
}

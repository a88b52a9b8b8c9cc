import express from "express";
import { isrPlug } from "../src/adapters/express.js";
import type { IsrInfo, Logger, Store } from "../src/index.js";
import { createInspector } from "../src/inspector.js";
import { escapeHtml, renderPage } from "./page.js";
import { createSettingsSource, type TenantSettings } from "./settings-source.js";
import { tenantOf } from "./tenant.js";

export interface DemoOptions {
  ttlMs?: number;
  staleTtlMs?: number;
  latencyMs?: number;
  store?: Store;
  logger?: Logger;
  /** Mounts the live inspector at /isr-inspector, behind this token. */
  inspectorToken?: string;
}

/** The demo: per-tenant settings from a slow source, served through isr-plug. */
export function createDemoApp(options: DemoOptions = {}) {
  const source = createSettingsSource(options.latencyMs);
  const settings = isrPlug<TenantSettings, { tenant: string }>({
    fetch: ({ tenant }, { signal }) => source.load(tenant, signal),
    extract: (req) => ({ tenant: tenantOf(req) }),
    cacheKey: (req) => ["settings", tenantOf(req)],
    apply: (_req, res, value, info) => {
      res.locals.settings = value;
      res.locals.isr = info;
      res.setHeader("x-isr-state", info.state);
      res.setHeader("x-isr-age", String(info.ageMs));
    },
    onError: (_req, res, error) => {
      res.status(503).send(`settings unavailable: ${escapeHtml(String(error))}`);
    },
    ttlMs: options.ttlMs ?? 5_000,
    staleTtlMs: options.staleTtlMs ?? 20_000,
    timeoutMs: 2_000,
    namespace: "demo-settings",
    cacheStatus: true,
    ...(options.store ? { store: options.store } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });

  const app = express();
  if (options.inspectorToken !== undefined) {
    // Mounted before the settings middleware: the inspector is not a tenant page. Demo
    // values are not private, so the page shows them.
    const inspector = createInspector({
      engines: [settings.isr],
      token: options.inspectorToken,
      showValues: true,
    });
    app.use(inspector.basePath, inspector.node);
  }
  app.disable("x-powered-by");
  app.use(settings);

  app.get("/settings.json", (_req, res) => {
    res.json({ settings: res.locals.settings as TenantSettings, isr: res.locals.isr as IsrInfo });
  });

  app.get("/", (req, res) => {
    res
      .type("html")
      .send(
        renderPage(
          res.locals.settings as TenantSettings,
          res.locals.isr as IsrInfo,
          req.socket.localPort ?? 3000,
        ),
      );
  });

  return { app, settings, source };
}

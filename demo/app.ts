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
  /** How often the page asks for the settings again. */
  pollMs?: number;
}

/** A viewer on this machine may be shown the inspector's token; anyone else is not. */
const isLoopback = (address: string | undefined) =>
  address === "::1" || /^(::ffff:)?127\./.test(address ?? "");

/** The demo: per-tenant settings from a slow source, served through isr-plug. */
export function createDemoApp(options: DemoOptions = {}) {
  const latencyMs = options.latencyMs ?? 200;
  const ttlMs = options.ttlMs ?? 5_000;
  const staleTtlMs = options.staleTtlMs ?? 20_000;
  const source = createSettingsSource(latencyMs);
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
    ttlMs,
    staleTtlMs,
    timeoutMs: 2_000,
    namespace: "demo-settings",
    cacheStatus: true,
    ...(options.store ? { store: options.store } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });

  const app = express();
  const token = options.inspectorToken;
  let inspectorPath: string | undefined;
  if (token !== undefined) {
    // Mounted before the settings middleware: the inspector is not a tenant page. Demo
    // values are not private, so the page shows them.
    const inspector = createInspector({ engines: [settings.isr], token, showValues: true });
    app.use(inspector.basePath, inspector.node);
    // The token rides in the fragment, which browsers never send: it stays out of access logs
    // (the inspector signs the page in from it and wipes it from the address bar).
    inspectorPath = `${inspector.basePath}#token=${encodeURIComponent(token)}`;
  }
  app.disable("x-powered-by");
  app.use(settings);

  app.get("/settings.json", (_req, res) => {
    res.json({ settings: res.locals.settings as TenantSettings, isr: res.locals.isr as IsrInfo });
  });

  app.get("/", (req, res) => {
    res.type("html").send(
      renderPage(res.locals.settings as TenantSettings, res.locals.isr as IsrInfo, {
        port: req.socket.localPort ?? 3000,
        latencyMs,
        ttlMs,
        staleTtlMs,
        pollMs: options.pollMs ?? 1_000,
        inspectorUrl: isLoopback(req.socket.remoteAddress) ? inspectorPath : undefined,
      }),
    );
  });

  return { app, settings, source };
}

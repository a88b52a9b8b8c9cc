import express, { type Response } from "express";
import { isrResponse } from "../../src/adapters/express.js";
import { createMemoryStore } from "../../src/index.js";
import { settingsFor } from "../lib/workload.js";
import { type RunningApp, TENANT_HEADER, tenantOf, type Variant } from "./app.js";
import { listenOnLoopback } from "./express.js";

/**
 * The `pages` scenario's app (Express 5): GET /settings renders a tenant's HTML page (a table
 * of 200 rows, about 12 KB, built from its settings) on every request (`bare`), or behind
 * `isrResponse` (`plug`: the whole response cached per tenant, fresh for the run).
 */
function renderPage(res: Response, tenant: string): void {
  const settings = settingsFor(tenant);
  const rows: string[] = [];
  for (let i = 0; i < 200; i++) {
    rows.push(
      `<tr><td>${i}</td><td>${settings.plan}</td><td>${settings.seats + i}</td><td>${tenant}</td></tr>`,
    );
  }
  res.set("Cache-Control", "s-maxage=600, stale-while-revalidate=3600");
  res.type("html").send(`<!doctype html><title>${tenant}</title><table>${rows.join("")}</table>`);
}

export async function start(variant: Variant): Promise<RunningApp> {
  const app = express();
  if (variant === "plug") {
    // The tenant header joins the key: one page per tenant, as the data scenarios keep one value per tenant.
    app.use(isrResponse({ keyHeaders: [TENANT_HEADER], store: createMemoryStore() }));
  } else if (variant !== "bare") {
    throw new Error(`pages: no variant ${variant}`);
  }
  app.get("/settings", (req, res) => renderPage(res, tenantOf(req.headers[TENANT_HEADER])));
  // The harness's check that the variant works: the tenant the (cached, for `plug`) page was rendered for.
  app.get("/check", (req, res) => {
    res.set("Cache-Control", "s-maxage=600");
    res.json({ tenant: variant === "bare" ? null : tenantOf(req.headers[TENANT_HEADER]) });
  });
  return listenOnLoopback(app);
}

import { createServer } from "node:http";
import { listen } from "../helpers.js";

/** What the settings origin answers: the tenant, and how many times it was fetched. */
export interface OriginSettings {
  tenant: string;
  theme: "dark" | "light";
  version: number;
}

/**
 * A slow settings API on 127.0.0.1 standing in for a tenant database: `GET /tenants/<tenant>`
 * answers after `latencyMs` with a version that counts that tenant's fetches, so a test sees
 * from the outside how often the app behind it reached its origin.
 */
export async function startOrigin(latencyMs = 300) {
  const fetches = new Map<string, number>();
  const server = await listen((port, host, ready) =>
    createServer((req, res) => {
      const tenant = /^\/tenants\/([a-z0-9-]+)$/.exec(req.url ?? "")?.[1];
      if (tenant === undefined) {
        res.writeHead(404).end();
        return;
      }
      const version = (fetches.get(tenant) ?? 0) + 1;
      fetches.set(tenant, version);
      const body: OriginSettings = { tenant, theme: tenant.length % 2 === 0 ? "dark" : "light", version };
      setTimeout(
        () => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body)),
        latencyMs,
      );
    }).listen(port, host, ready),
  );
  return {
    url: server.url,
    close: server.close,
    /** How many times the tenant's settings were fetched. */
    fetchesOf: (tenant: string) => fetches.get(tenant) ?? 0,
  };
}

export type Origin = Awaited<ReturnType<typeof startOrigin>>;

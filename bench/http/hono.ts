import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { isrPlug } from "../../src/adapters/hono.js";
import { createMemoryStore } from "../../src/index.js";
import type { Settings } from "../lib/workload.js";
import { loadPeer } from "../peers/index.js";
import {
  answer,
  check,
  origin,
  peerOf,
  type RunningApp,
  STALE_TTL_MS,
  TENANT_HEADER,
  TTL_MS,
  tenantOf,
  type Variant,
} from "./app.js";

type Env = { Variables: { settings: Settings } };

/** Hono 4 on @hono/node-server. The hook variant is an async middleware awaiting the peer. */
export async function start(variant: Variant): Promise<RunningApp> {
  const app = new Hono<Env>();
  const peer = peerOf(variant);
  if (peer !== undefined) {
    const cache = await (await loadPeer(peer)).create({
      fetch: origin,
      ttlMs: TTL_MS,
      staleTtlMs: STALE_TTL_MS,
      max: 10_000,
    });
    app.use(async (c, next) => {
      c.set("settings", cache.valueOf(await cache.get(tenantOf(c.req.header(TENANT_HEADER)))) as Settings);
      await next();
    });
  } else if (variant === "plug") {
    app.use(
      isrPlug<Settings, string, Env>({
        fetch: (tenant) => origin(tenant),
        extract: (c) => tenantOf(c.req.header(TENANT_HEADER)),
        cacheKey: (c) => tenantOf(c.req.header(TENANT_HEADER)),
        apply: (c, value) => {
          c.set("settings", value);
        },
        ttlMs: TTL_MS,
        staleTtlMs: STALE_TTL_MS,
        store: createMemoryStore(),
      }),
    );
  }
  app.get("/settings", (c) => c.json(answer(c.get("settings"))));
  app.get("/check", (c) => c.json(check(c.get("settings"))));
  const { server, port } = await new Promise<{ server: ReturnType<typeof serve>; port: number }>(
    (resolve) => {
      const listening = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, (info: AddressInfo) =>
        resolve({ server: listening, port: info.port }),
      );
    },
  );
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
      }),
  };
}

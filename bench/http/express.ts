import type { Server } from "node:http";
import express, { type Request, type RequestHandler } from "express";
import { isrPlug } from "../../src/adapters/express.js";
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

type WithSettings = Request & { settings?: Settings };

/**
 * The middleware a variant adds: none for the bare app, an async middleware awaiting the peer
 * for a hook, isr-plug's own middleware for `plug`. Also called directly, with stub req/res,
 * by bench/scenarios/middleware-child.ts.
 */
export async function middlewareOf(variant: Variant): Promise<RequestHandler | undefined> {
  const peer = peerOf(variant);
  if (peer !== undefined) {
    const cache = await (await loadPeer(peer)).create({
      fetch: origin,
      ttlMs: TTL_MS,
      staleTtlMs: STALE_TTL_MS,
      max: 10_000,
    });
    return async (req, _res, next) => {
      (req as WithSettings).settings = cache.valueOf(
        await cache.get(tenantOf(req.headers[TENANT_HEADER])),
      ) as Settings;
      next();
    };
  }
  if (variant !== "plug") return undefined;
  return isrPlug<Settings, string>({
    fetch: (tenant) => origin(tenant),
    extract: (req) => tenantOf(req.headers[TENANT_HEADER]),
    cacheKey: (req) => tenantOf(req.headers[TENANT_HEADER]),
    apply: (req, _res, value) => {
      (req as WithSettings).settings = value;
    },
    ttlMs: TTL_MS,
    staleTtlMs: STALE_TTL_MS,
    store: createMemoryStore(),
  });
}

/** Express 5 with its defaults and the variant's middleware. */
export async function start(variant: Variant): Promise<RunningApp> {
  const app = express();
  const middleware = await middlewareOf(variant);
  if (middleware !== undefined) app.use(middleware);
  app.get("/settings", (req, res) => {
    res.json(answer((req as WithSettings).settings));
  });
  app.get("/check", (req, res) => {
    res.json(check((req as WithSettings).settings));
  });
  return listenOnLoopback(app);
}

/** Serves an Express app on a free loopback port; closing drops the keep-alive connections too. */
export async function listenOnLoopback(app: express.Express): Promise<RunningApp> {
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(0, "127.0.0.1", (error?: Error) =>
      error ? reject(error) : resolve(listening),
    );
  });
  const address = server.address();
  if (address === null || typeof address === "string")
    throw new Error("express did not listen on a TCP port");
  return {
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

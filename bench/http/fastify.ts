import Fastify, { type FastifyRequest } from "fastify";
import isrPlug from "../../src/adapters/fastify.js";
import { createMemoryStore } from "../../src/index.js";
import type { Settings } from "../lib/workload.js";
import { loadPeer } from "../peers/index.js";
import { connectRedisStore, runPrefix } from "../redis/connect.js";
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

type WithSettings = FastifyRequest & { settings: Settings | null };

/**
 * Fastify 5, logger off. The hook variant is the issue's `request.settings = await cache.get(tenant)`;
 * the plugin variants register isr-plug's own plugin.
 */
export async function start(variant: Variant): Promise<RunningApp> {
  const app = Fastify();
  app.decorateRequest("settings", null);
  const peer = peerOf(variant);
  if (peer !== undefined) {
    const cache = await (await loadPeer(peer)).create({
      fetch: origin,
      ttlMs: TTL_MS,
      staleTtlMs: STALE_TTL_MS,
      max: 10_000,
    });
    app.addHook("onRequest", async (request) => {
      (request as WithSettings).settings = cache.valueOf(
        await cache.get(tenantOf(request.headers[TENANT_HEADER])),
      ) as Settings;
    });
  } else if (variant === "plug" || variant === "plug:redis") {
    const redis = variant === "plug:redis" ? await connectRedisStore(runPrefix(), 10_000) : undefined;
    if (redis !== undefined) {
      app.addHook("onClose", async () => {
        await redis.store.clear().catch(() => {});
        await redis.close();
      });
    }
    await app.register(isrPlug<Settings, string>, {
      fetch: (tenant) => origin(tenant),
      extract: (request) => tenantOf(request.headers[TENANT_HEADER]),
      cacheKey: (request) => tenantOf(request.headers[TENANT_HEADER]),
      apply: (request, _reply, value) => {
        (request as WithSettings).settings = value;
      },
      ttlMs: TTL_MS,
      staleTtlMs: STALE_TTL_MS,
      namespace: "bench-settings",
      store: redis?.store ?? createMemoryStore(),
    });
  }
  app.get("/settings", (request) => answer((request as WithSettings).settings));
  app.get("/check", (request) => check((request as WithSettings).settings));
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === "string")
    throw new Error("fastify did not listen on a TCP port");
  return { port: address.port, close: () => app.close() };
}

/**
 * One process of the response-cache fleet test: an Express app with `isrResponse` on a Redis
 * store shared by the fleet. Its route counts renders in Redis and holds its answer until the
 * test sets the gate key. Tells the parent its URL, and each request that missed.
 */
import express from "express";
import { Redis } from "ioredis";
import { isrResponse } from "../../src/adapters/express.js";
import { createRedisStore } from "../../src/stores/redis.js";

const redisUrl = process.env.REDIS_URL as string;
const client = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
const store = createRedisStore({ client, prefix: "pages-test:" });
const middleware = isrResponse({ store, namespace: "pages" });
middleware.cache.isr.on("miss", () => process.send?.({ event: "miss" }));

const app = express();
app.use(middleware);
app.get("/page", async (_req, res) => {
  const render = await client.incr("renders");
  while ((await client.get("gate")) === null) await new Promise((resolve) => setTimeout(resolve, 5));
  res.set("cache-control", "s-maxage=60").send(`render ${render}`);
});
// Listens once the store is in sync with the fleet: before, it would serve this process alone.
await store.ready({ timeoutMs: 10_000 });
const server = app.listen(0, "127.0.0.1", () => {
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  process.send?.({ event: "listening", url: `http://127.0.0.1:${port}` });
});
process.on("message", async (message: { cmd?: string }) => {
  if (message.cmd !== "stop") return;
  server.closeAllConnections();
  server.close();
  await middleware.cache.close();
  store.close();
  client.disconnect();
  process.exit(0);
});

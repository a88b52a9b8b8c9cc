import { randomUUID } from "node:crypto";
import type { Logger } from "../src/index.js";
import { createDemoApp } from "./app.js";

/** Prints every isr-plug message, debug included, so hits, stale serves and refreshes show. */
const consoleLogger: Logger = {
  debug: (fields, message) => console.log(message, describe(fields)),
  info: (fields, message) => console.log(message, describe(fields)),
  warn: (fields, message) => console.warn(message, describe(fields)),
  error: (fields, message) => console.error(message, describe(fields)),
};

function describe(fields: object): string {
  const { namespace: _namespace, err, ...rest } = fields as Record<string, unknown>;
  const parts = Object.entries(rest).map(([name, value]) => `${name}=${JSON.stringify(value)}`);
  if (err !== undefined) parts.push(`error=${err instanceof Error ? err.message : String(err)}`);
  return parts.join(" ");
}

/**
 * With REDIS_URL, entries live in Redis (fleet mode): start several demos on different
 * PORTs and watch one fetch per tenant serve them all. ioredis is only loaded then.
 */
async function openRedisStore(url: string) {
  const [{ Redis }, { createRedisStore }] = await Promise.all([
    import("ioredis"),
    import("../src/stores/redis.js"),
  ]);
  const client = new Redis(url);
  // The store logs Redis going away and coming back once; ioredis would print every retry.
  client.on("error", () => {});
  const store = createRedisStore({ client, prefix: "isr-plug-demo:", logger: consoleLogger });
  return {
    store,
    close: async () => {
      await store.close();
      client.disconnect();
    },
  };
}

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? "127.0.0.1";
const redisUrl = process.env.REDIS_URL;
// Printed without its credentials, if the URL carries any.
const redisShown = redisUrl?.replace(/\/\/[^@/]*@/, "//***@");
const redis = redisUrl ? await openRedisStore(redisUrl) : undefined;
const inspectorToken = process.env.ISR_INSPECTOR_TOKEN ?? randomUUID();
const { app, settings } = createDemoApp({
  logger: consoleLogger,
  inspectorToken,
  ...(redis ? { store: redis.store } : {}),
});

const server = app.listen(port, host, () => {
  console.log(
    `isr-plug demo on http://${host}:${port}/ (${redisShown ? `redis store at ${redisShown}` : "memory store"})`,
  );
  console.log(`try: curl -i -H 'x-tenant: acme' http://${host}:${port}/settings.json`);
  // The token rides in the fragment, which browsers never send: it stays out of access logs.
  console.log(`inspector: http://${host}:${port}/isr-inspector#token=${inspectorToken}`);
});

const shutdown = () => {
  server.close();
  settings.isr
    .close()
    .then(() => redis?.close())
    .finally(() => process.exit(0));
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);

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

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? "127.0.0.1";
const { app, settings } = createDemoApp({ logger: consoleLogger });

const server = app.listen(port, host, () => {
  console.log(`isr-plug demo on http://${host}:${port}/ (memory store)`);
  console.log(`try: curl -i -H 'x-tenant: acme' http://${host}:${port}/settings.json`);
});

const shutdown = () => {
  server.close();
  settings.isr.close().finally(() => process.exit(0));
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);

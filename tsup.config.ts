import { existsSync } from "node:fs";
import { defineConfig } from "tsup";

// One entry per subpath export in package.json ("." is index).
const sources: Record<string, string> = {
  index: "src/index.ts",
  express: "src/adapters/express.ts",
  fastify: "src/adapters/fastify.ts",
  koa: "src/adapters/koa.ts",
  hono: "src/adapters/hono.ts",
  web: "src/adapters/web.ts",
  redis: "src/stores/redis.ts",
  inspector: "src/inspector.ts",
  testing: "src/testing.ts",
  webhook: "src/webhook.ts",
};

export default defineConfig({
  // An entry whose source is not written yet is skipped, so the build stays green while it lands.
  entry: Object.fromEntries(Object.entries(sources).filter(([, file]) => existsSync(file))),
  format: ["esm", "cjs"],
  dts: true,
  clean: true,
  // No source maps: the output is not minified, so stack traces already read as the code does,
  // and maps would either ship every source again (sourcesContent: 60 % of the package) or
  // point at src/ files the package does not contain (which bundlers warn about).
  sourcemap: false,
  target: "node20",
  // Built-ins keep their `node:` prefix (tsup strips it by default): it is how Deno, Bun and
  // bundlers for workers know `node:assert/strict` (isr-plug/testing) for a built-in.
  removeNodeProtocol: false,
  splitting: true,
  treeshake: true,
});

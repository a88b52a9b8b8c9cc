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
};

export default defineConfig({
  // An entry whose source is not written yet is skipped, so the build stays green while it lands.
  entry: Object.fromEntries(Object.entries(sources).filter(([, file]) => existsSync(file))),
  format: ["esm", "cjs"],
  dts: true,
  clean: true,
  sourcemap: true,
  target: "node20",
  splitting: true,
  treeshake: true,
});

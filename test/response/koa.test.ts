import { Readable } from "node:stream";
import Koa from "koa";
import { isrResponse } from "../../src/adapters/koa.js";
import { listen } from "../helpers.js";
import { responseConformance } from "./conformance.js";
import { chunksOf, type PagesHarness } from "./pages.js";

const harness: PagesHarness = {
  name: "koa",
  async start(spec) {
    const app = new Koa();
    const middleware = isrResponse({ ...spec.options, logger: spec.logger });
    app.use(middleware);
    app.use(async (ctx) => {
      const answer = await spec.route({
        method: ctx.method,
        url: ctx.originalUrl,
        header: (name) => ctx.get(name) || undefined,
      });
      ctx.status = answer.status ?? 200;
      for (const [name, value] of Object.entries(answer.headers ?? {})) ctx.set(name, value);
      ctx.body = answer.chunks === undefined ? (answer.body ?? "") : Readable.from(chunksOf(answer.chunks));
    });
    const server = await listen((port, host, ready) => app.listen(port, host, ready));
    return {
      url: server.url,
      cache: middleware.cache,
      close: async () => {
        await server.close();
        await middleware.cache.close();
      },
    };
  },
};

responseConformance(harness);

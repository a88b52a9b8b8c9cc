import type { Server } from "node:http";
import { createAdaptorServer } from "@hono/node-server";
import { Hono } from "hono";
import { isrResponse } from "../../src/adapters/hono.js";
import { listen } from "../helpers.js";
import { responseConformance } from "./conformance.js";
import { type PagesHarness, webAnswer } from "./pages.js";

const harness: PagesHarness = {
  name: "hono",
  async start(spec) {
    const app = new Hono();
    const middleware = isrResponse({ ...spec.options, logger: spec.logger, app });
    app.use(middleware);
    app.all("*", async (c) => {
      const url = new URL(c.req.url);
      const answer = await spec.route({
        method: c.req.method,
        url: url.pathname + url.search,
        header: (name) => c.req.header(name),
      });
      return webAnswer(answer);
    });
    const server = await listen((port, host, ready) => {
      const adaptor = createAdaptorServer({ fetch: app.fetch }) as Server;
      return adaptor.listen(port, host, ready);
    });
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

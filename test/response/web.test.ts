import type { Server } from "node:http";
import { createAdaptorServer } from "@hono/node-server";
import { isrResponse } from "../../src/adapters/web.js";
import { listen } from "../helpers.js";
import { responseConformance } from "./conformance.js";
import { type PagesHarness, webAnswer } from "./pages.js";

const harness: PagesHarness = {
  name: "web",
  async start(spec) {
    const cached = isrResponse({ ...spec.options, logger: spec.logger });
    const handler = cached(async (request: Request) => {
      const url = new URL(request.url);
      const answer = await spec.route({
        method: request.method,
        url: url.pathname + url.search,
        header: (name) => request.headers.get(name) ?? undefined,
      });
      return webAnswer(answer);
    });
    const server = await listen((port, host, ready) => {
      const adaptor = createAdaptorServer({ fetch: (request) => handler(request) }) as Server;
      return adaptor.listen(port, host, ready);
    });
    return {
      url: server.url,
      cache: cached.cache,
      close: async () => {
        await server.close();
        await cached.cache.close();
      },
    };
  },
};

responseConformance(harness);

import express from "express";
import { isrResponse } from "../../src/adapters/express.js";
import { listen } from "../helpers.js";
import { responseConformance } from "./conformance.js";
import { chunksOf, type PagesHarness } from "./pages.js";

const harness: PagesHarness = {
  name: "express",
  async start(spec) {
    const app = express();
    const middleware = isrResponse({ ...spec.options, logger: spec.logger });
    app.use(middleware);
    app.use(async (req, res) => {
      const answer = await spec.route({
        method: req.method,
        url: req.originalUrl,
        header: (name) => req.get(name),
      });
      res.status(answer.status ?? 200);
      for (const [name, value] of Object.entries(answer.headers ?? {})) res.setHeader(name, value);
      if (answer.chunks === undefined) {
        res.end(answer.body ?? "");
        return;
      }
      for await (const text of chunksOf(answer.chunks)) res.write(text);
      res.end();
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

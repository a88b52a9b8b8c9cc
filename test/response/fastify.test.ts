import { Readable } from "node:stream";
import Fastify from "fastify";
import { isrResponse } from "../../src/adapters/fastify.js";
import type { ResponseCache } from "../../src/index.js";
import { responseConformance } from "./conformance.js";
import { chunksOf, type PagesHarness } from "./pages.js";

const harness: PagesHarness = {
  name: "fastify",
  async start(spec) {
    const app = Fastify();
    await app.register(isrResponse, { ...spec.options, logger: spec.logger });
    app.all("/*", async (request, reply) => {
      const answer = await spec.route({
        method: request.method,
        url: request.url,
        header: (name) => request.headers[name]?.toString(),
      });
      reply.code(answer.status ?? 200);
      for (const [name, value] of Object.entries(answer.headers ?? {})) reply.header(name, value);
      return reply.send(
        answer.chunks === undefined ? (answer.body ?? "") : Readable.from(chunksOf(answer.chunks)),
      );
    });
    await app.listen({ port: 0, host: "127.0.0.1" });
    const address = app.server.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    return {
      url: `http://127.0.0.1:${port}`,
      cache: (app as unknown as { responseCache: ResponseCache }).responseCache,
      close: () => app.close(),
    };
  },
};

responseConformance(harness);

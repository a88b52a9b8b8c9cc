import type { OutgoingHttpHeaders } from "node:http";
import type { Readable } from "node:stream";
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from "fastify";
import fp from "fastify-plugin";
import { describeValue } from "../check.js";
import type { Logger } from "../log.js";
import { RENDER_MARKER_HEADER, ResponseCache, type ResponseOutcome } from "../response/cache.js";
import type { ResponseCapture } from "../response/capture.js";
import type { ResponseCacheOptions } from "../response/options.js";
import type { Rendered } from "../response/page.js";
import { replayedHeaders } from "../response/safety.js";
import { CACHE_STATUS_HEADER, withCacheStatusMember } from "./cache-status.js";
import { addCacheStatusOnHeaders } from "./cache-status-node.js";
import { appLogger } from "./fastify-logger.js";
import {
  dropConditionals,
  nodeHeaderPairs,
  nodeHeadersOf,
  nodePageRequest,
  tapStream,
} from "./response-node.js";

/** Options of the `isrResponse` Fastify plugin. */
export interface FastifyResponseOptions extends ResponseCacheOptions {
  /** Name of the instance decorator holding the response cache. @default "responseCache" */
  decorator?: string;
  /** pino-compatible logger. @default the app's logger */
  logger?: Logger;
}

type PluginDone = (error?: Error) => void;

interface LiveCapture {
  capture: ResponseCapture;
  member: string | undefined;
}

/** Captures the payload a live render sends (`onSend`): bytes, strings, or a stream tapped on its way. */
function captureSend(reply: FastifyReply, payload: unknown, live: LiveCapture): unknown {
  const { capture, member } = live;
  const storable = capture.head(reply.statusCode, nodeHeaderPairs(reply.getHeaders() as OutgoingHttpHeaders));
  // Added after the head was read: this cache's own member is not stored with the page.
  if (member !== undefined) {
    reply.header(CACHE_STATUS_HEADER, withCacheStatusMember(reply.getHeader(CACHE_STATUS_HEADER), member));
  }
  if (!storable) return payload;
  if (payload !== null && typeof payload === "object" && typeof (payload as Readable).pipe === "function") {
    return tapStream(payload as Readable, capture);
  }
  if (typeof payload === "string") capture.write(Buffer.from(payload));
  else if (payload instanceof Uint8Array) capture.write(payload);
  capture.end();
  return payload;
}

function plugin(fastify: FastifyInstance, options: FastifyResponseOptions, done: PluginDone): void {
  let cache: ResponseCache;
  let decorator: string;
  try {
    // `register` hands Fastify's own options to the plugin too.
    const {
      decorator: name = "responseCache",
      prefix,
      logLevel,
      logSerializers,
      ...rest
    } = options as FastifyResponseOptions & Record<"prefix" | "logLevel" | "logSerializers", unknown>;
    if (typeof name !== "string" || name === "") {
      throw new TypeError(`isr-plug: "decorator" must be a non-empty string, got ${describeValue(name)}`);
    }
    decorator = name;
    // The engine logs with the app's logger, as the data plugin does.
    cache = new ResponseCache({ ...rest, logger: rest.logger ?? appLogger(fastify.log) });
    fastify.decorate(decorator, cache);
  } catch (error) {
    done(error as Error);
    return;
  }
  const live = new WeakMap<FastifyRequest, LiveCapture>();

  const render = (request: FastifyRequest): Promise<Rendered> => {
    const headers = replayedHeaders(Object.entries(request.headers));
    headers[RENDER_MARKER_HEADER] = cache.renderToken;
    return fastify.inject({ method: "GET", url: request.url, headers }).then((response) => {
      const capture = cache.capture();
      if (capture.head(response.statusCode, nodeHeaderPairs(response.headers)))
        capture.write(response.rawPayload);
      capture.end();
      return capture.result;
    });
  };

  const act = (reply: FastifyReply, next: HookHandlerDoneFunction, outcome: ResponseOutcome): void => {
    if (outcome.kind === "hit") {
      reply.code(outcome.status).headers(nodeHeadersOf(outcome));
      void reply.send(outcome.body === undefined ? undefined : Buffer.from(outcome.body));
    } else if (outcome.kind === "pass") {
      if (outcome.cacheStatus !== undefined) addCacheStatusOnHeaders(reply.raw, outcome.cacheStatus);
      next();
    }
  };

  fastify.addHook("onRequest", (request, reply, next) => {
    let outcome: ResponseOutcome | Promise<ResponseOutcome>;
    try {
      outcome = cache.serve(nodePageRequest(request.method, request.url, request.headers), {
        live: (member) => {
          const capture = cache.capture();
          live.set(request, { capture, member });
          reply.raw.once("close", () => capture.abort());
          dropConditionals(request.headers);
          next();
          return capture.result;
        },
        background: () => render(request),
      });
    } catch (error) {
      next(error as Error);
      return;
    }
    if (outcome instanceof Promise) outcome.then((result) => act(reply, next, result), next);
    else act(reply, next, outcome);
  });
  fastify.addHook("onSend", (request, reply, payload, next) => {
    const capturing = live.get(request);
    if (capturing === undefined) {
      next(null, payload);
      return;
    }
    live.delete(request);
    next(null, captureSend(reply, payload, capturing));
  });
  fastify.addHook("onClose", (_instance, closed) => {
    cache.close().then(() => closed(), closed);
  });
  done();
}

/**
 * Fastify plugin: caches whole responses of the routes of the context it is registered in.
 * `await app.register(isrResponse, { cacheStatus: true })`; the cache is `app.responseCache`.
 * Payloads are captured in `onSend`; a re-render without a client is `app.inject`.
 */
export const isrResponse = fp(plugin as never, { fastify: "5.x", name: "isr-plug-response" }) as (
  instance: FastifyInstance,
  options: FastifyResponseOptions,
  done: PluginDone,
) => void;

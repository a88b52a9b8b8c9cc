import type { RequestListener } from "node:http";
import { type Readable, Stream } from "node:stream";
import type Koa from "koa";
import { ResponseCache } from "../response/cache.js";
import type { ResponseCapture } from "../response/capture.js";
import type { ResponseCacheOptions } from "../response/options.js";
import { CACHE_STATUS_HEADER, withCacheStatusMember } from "./cache-status.js";
import {
  dropConditionals,
  nodeHeaderPairs,
  nodeHeadersOf,
  nodePageRequest,
  nodeRender,
  tapStream,
} from "./response-node.js";

/** The middleware, with its response cache (`invalidateTag`, `invalidatePath`, `revalidatePath`, `close`). */
export type IsrResponseKoaMiddleware = Koa.Middleware & { readonly cache: ResponseCache };

const EMPTY_STATUSES = new Set([204, 205, 304]);

/** Adds this cache's `Cache-Status` member, after any the route set. */
function addMember(ctx: Koa.Context, member: string | undefined): void {
  if (member === undefined || ctx.headerSent) return;
  ctx.set(CACHE_STATUS_HEADER, withCacheStatusMember(ctx.response.get(CACHE_STATUS_HEADER), member));
}

/**
 * Captures the body the route left in `ctx.body`: bytes and strings as they are, a JSON
 * value as Koa would send it, a stream tapped on its way to the client (stored once it ends).
 */
function captureBody(ctx: Koa.Context, capture: ResponseCapture, member: string | undefined): void {
  let body: unknown = ctx.body;
  if (body == null && !EMPTY_STATUSES.has(ctx.status)) {
    // What Koa answers for a status without a body: its message, as text.
    ctx.body = ctx.message;
    body = ctx.body;
  } else if (
    body !== null &&
    typeof body === "object" &&
    !(body instanceof Uint8Array) &&
    !(body instanceof Stream)
  ) {
    ctx.body = Buffer.from(JSON.stringify(body));
    body = ctx.body;
  }
  const storable = capture.head(ctx.status, nodeHeaderPairs(ctx.response.headers));
  addMember(ctx, member);
  if (!storable) return;
  if (body instanceof Stream) {
    ctx.body = tapStream(body as Readable, capture);
    return;
  }
  if (typeof body === "string") capture.write(Buffer.from(body));
  else if (body instanceof Uint8Array) capture.write(body);
  capture.end();
}

/**
 * Koa: caches whole responses of the middleware after it. `app.use(isrResponse())`. A re-render
 * without a client is a GET dispatched to the app (`ctx.app.callback()`) on Node's own request
 * and response classes, marked so that it passes the cache by.
 */
export function isrResponse(options: ResponseCacheOptions = {}): IsrResponseKoaMiddleware {
  const cache = new ResponseCache(options);
  const callbacks = new WeakMap<Koa, RequestListener>();
  const dispatchOf = (app: Koa): RequestListener => {
    let callback = callbacks.get(app);
    if (callback === undefined) {
      callback = app.callback() as RequestListener;
      callbacks.set(app, callback);
    }
    return callback;
  };

  const middleware: Koa.Middleware = async (ctx, next) => {
    let downstream: Promise<void> | undefined;
    const outcome = await cache.serve(nodePageRequest(ctx.method, ctx.originalUrl, ctx.headers), {
      live: (member) => {
        const capture = cache.capture();
        dropConditionals(ctx.headers);
        downstream = next().then(
          () => captureBody(ctx, capture, member),
          (error: unknown) => {
            capture.abort();
            throw error;
          },
        );
        return capture.result;
      },
      background: () => nodeRender(dispatchOf(ctx.app), ctx.req, ctx.originalUrl, cache),
    });
    if (outcome.kind === "hit") {
      ctx.status = outcome.status;
      ctx.set(nodeHeadersOf(outcome) as Record<string, string | string[]>);
      // HEAD and 304 have no body: Koa ends them with the headers set here (the GET's length).
      if (outcome.body !== undefined) {
        ctx.body = Buffer.from(outcome.body.buffer, outcome.body.byteOffset, outcome.body.byteLength);
      }
      return;
    }
    if (outcome.kind === "live" && downstream !== undefined) return downstream;
    await next();
    if (outcome.kind === "pass") addMember(ctx, outcome.cacheStatus);
  };
  return Object.assign(middleware, { cache });
}

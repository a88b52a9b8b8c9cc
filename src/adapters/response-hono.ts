import type { Context, Env, MiddlewareHandler } from "hono";
import { RENDER_MARKER_HEADER, ResponseCache } from "../response/cache.js";
import type { ResponseCacheOptions } from "../response/options.js";
import { withStatusMember } from "./cache-status.js";
import { rebuiltRequest, renderResponse, responseOf, teeForCapture, webPageRequest } from "./response-web.js";

/** The app re-renders go through: a Hono app, or anything with its `fetch(request, env)`. */
export interface HonoFetcher {
  fetch(request: Request, env?: unknown): Response | Promise<Response>;
}

/** Options of `isrResponse` for Hono. */
export interface HonoResponseOptions extends ResponseCacheOptions {
  /** The app (`new Hono()`) the middleware is used in: re-renders without a client are sent through it. */
  app: HonoFetcher;
}

/** The middleware, with its response cache (`invalidateTag`, `invalidatePath`, `revalidatePath`, `close`). */
// biome-ignore lint/suspicious/noExplicitAny: Hono's own default Env, as in createMiddleware.
export type IsrResponseHonoMiddleware<HonoEnv extends Env = any> = MiddlewareHandler<HonoEnv> & {
  readonly cache: ResponseCache;
};

/**
 * Hono: caches whole responses of the routes after it. `app.use("/blog/*", isrResponse({ app }))`.
 * A re-render is a GET rebuilt from the request that found the page stale, sent through
 * `app.fetch` with the request's `env`, marked so that it passes the cache by.
 */
// biome-ignore lint/suspicious/noExplicitAny: see IsrResponseHonoMiddleware.
export function isrResponse<HonoEnv extends Env = any>(
  options: HonoResponseOptions,
): IsrResponseHonoMiddleware<HonoEnv> {
  const { app, ...rest } = options ?? ({} as HonoResponseOptions);
  if (app === null || typeof app !== "object" || typeof app.fetch !== "function") {
    throw new TypeError(
      'isr-plug: isrResponse for Hono needs "app", the Hono app it is used in (re-renders go through app.fetch)',
    );
  }
  const cache = new ResponseCache(rest);
  const middleware = async (
    c: Context<HonoEnv>,
    next: () => Promise<void>,
  ): Promise<Response | undefined> => {
    let downstream: Promise<void> | undefined;
    const outcome = await cache.serve(webPageRequest(c.req.raw), {
      live: (member) => {
        const capture = cache.capture();
        downstream = next().then(
          () => {
            c.res = teeForCapture(c.res, capture, member);
          },
          (error: unknown) => {
            capture.abort();
            throw error;
          },
        );
        return capture.result;
      },
      background: () =>
        renderResponse(
          cache,
          app.fetch(rebuiltRequest(c.req.raw, { [RENDER_MARKER_HEADER]: cache.renderToken }), c.env),
        ),
    });
    if (outcome.kind === "hit") return responseOf(outcome);
    if (outcome.kind === "live" && downstream !== undefined) {
      await downstream;
      return undefined;
    }
    await next();
    if (outcome.kind === "pass" && outcome.cacheStatus !== undefined) {
      c.res = withStatusMember(c.res, outcome.cacheStatus);
    }
    return undefined;
  };
  return Object.assign(middleware as MiddlewareHandler<HonoEnv>, { cache });
}

import type { Context, Env, MiddlewareHandler, Next } from "hono";
import type { Isr } from "../engine.js";
import type { IsrOptions } from "../options.js";
import { CACHE_STATUS_HEADER, withCacheStatusMember } from "./cache-status.js";
import { type IsrInfo, Plug, type PlugCallbacks } from "./plug.js";

export type { IsrInfo } from "./plug.js";
export {
  type HonoFetcher,
  type HonoResponseOptions,
  type IsrResponseHonoMiddleware,
  isrResponse,
} from "./response-hono.js";

/** What `onError` may return: a Response answers the request; nothing lets it go on. */
// biome-ignore lint/suspicious/noConfusingVoidType: a callback that returns nothing (a block body) must type-check.
export type HonoErrorResult = Response | void;

/**
 * Options of the Hono middleware: the core options plus request callbacks. `HonoEnv` is the
 * app's `Env`, so that `c.set` in `apply` is typed (`{ Variables: { settings: Settings } }`).
 */
// biome-ignore lint/suspicious/noExplicitAny: Hono's own default Env (as in createMiddleware), so untyped apps need no type arguments.
export interface HonoIsrOptions<V, E = unknown, HonoEnv extends Env = any>
  extends IsrOptions<V, E>,
    PlugCallbacks<Context<HonoEnv>, E> {
  /** Puts the value on the context, typically `c.set` (the seed's `apply_fun`); may return a Promise. */
  apply: (c: Context<HonoEnv>, value: V, info: IsrInfo) => unknown;
  /**
   * Handles a failed synchronous fetch. If it returns a Response, that is the response and
   * the route does not run; otherwise it does.
   * @default logs a warning and passes the request through; `apply` is not called
   */
  onError?: (c: Context<HonoEnv>, error: unknown) => HonoErrorResult | PromiseLike<HonoErrorResult>;
}

/** The middleware, with its engine for `invalidate`, `revalidate` and `close`. */
// biome-ignore lint/suspicious/noExplicitAny: see HonoIsrOptions.
export type IsrHonoMiddleware<V, E = unknown, HonoEnv extends Env = any> = MiddlewareHandler<HonoEnv> & {
  readonly isr: Isr<V, E>;
};

type HonoResult = HonoErrorResult | Promise<HonoErrorResult>;

/**
 * Goes on; the `Cache-Status` member is added after the handler ran, because a handler that
 * returns its own `Response` would drop headers prepared on the context before, and because
 * a member already there (a cache closer to the origin) comes first (RFC 9211 §2).
 */
function proceed(c: Context, next: Next, cacheStatus: string | undefined): Promise<void> {
  if (cacheStatus === undefined) return next();
  return next().then(() => {
    c.header(CACHE_STATUS_HEADER, withCacheStatusMember(c.res.headers.get(CACHE_STATUS_HEADER), cacheStatus));
  });
}

/**
 * Hono middleware: serves cached data to `apply`, refreshing it in the background when
 * stale. `app.use(isrPlug({ fetch, apply, extract, cacheKey }))`. Errors reach `app.onError`.
 * Web-standard only (no Node built-ins), so it runs on Node, Bun, Deno and workers.
 */
// biome-ignore lint/suspicious/noExplicitAny: see HonoIsrOptions.
export function isrPlug<V, E = unknown, HonoEnv extends Env = any>(
  options: HonoIsrOptions<V, E, HonoEnv>,
): IsrHonoMiddleware<V, E, HonoEnv> {
  // Read through `?? {}`: when Hono calls the factory itself, the Plug's check throws the hint.
  const { apply, onError } = options ?? {};
  const plug = new Plug<Context<HonoEnv>, V, E, undefined, Next, HonoResult>(options, {
    usage: "app.use(isrPlug({ fetch, apply, ... })), not app.use(isrPlug)",
    apply: (c, _res, value, info) => apply(c, value, info),
    onError: onError && ((c, _res, error) => onError(c, error)),
    proceed: (c, _res, next, _applied, _info, cacheStatus) => proceed(c, next, cacheStatus),
    afterError: (c, _res, next, handled, cacheStatus) =>
      handled instanceof Response ? handled : proceed(c, next, cacheStatus),
    fail: (_c, _res, _next, error) => Promise.reject(error),
  });

  // Every synchronous outcome is a Promise (`next()` or a rejection); a returned Response
  // only comes from `onError`, after the failed fetch, inside a Promise.
  const isrPlugMiddleware = ((c, next) => plug.run(c, undefined, next)) as MiddlewareHandler<HonoEnv>;
  return Object.assign(isrPlugMiddleware, { isr: plug.engine });
}

export default isrPlug;

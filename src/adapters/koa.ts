import type Koa from "koa";
import type { Isr } from "../engine.js";
import type { IsrOptions } from "../options.js";
import { CACHE_STATUS_HEADER, withCacheStatusMember } from "./cache-status.js";
import { type IsrInfo, Plug, type PlugCallbacks } from "./plug.js";

export type { IsrInfo } from "./plug.js";
export { type IsrResponseKoaMiddleware, isrResponse } from "./response-koa.js";

/** The context the middleware's callbacks receive; `StateT` types `ctx.state`. */
export type KoaContext<StateT = Koa.DefaultState, ContextT = Koa.DefaultContext> = Koa.ParameterizedContext<
  StateT,
  ContextT
>;

/** Options of the Koa middleware: the core options plus request callbacks. */
export interface KoaIsrOptions<V, E = unknown, StateT = Koa.DefaultState, ContextT = Koa.DefaultContext>
  extends IsrOptions<V, E>,
    PlugCallbacks<KoaContext<StateT, ContextT>, E> {
  /** Puts the value on the context, typically `ctx.state` (the seed's `apply_fun`); may return a Promise. */
  apply: (ctx: KoaContext<StateT, ContextT>, value: V, info: IsrInfo) => unknown;
  /**
   * Handles a failed synchronous fetch. If it sets a body or a status, downstream is not
   * called; otherwise it is.
   * @default logs a warning and passes the request through; `apply` is not called
   */
  onError?: (ctx: KoaContext<StateT, ContextT>, error: unknown) => unknown;
}

/** The middleware, with its engine for `invalidate`, `revalidate` and `close`. */
export type IsrKoaMiddleware<
  V,
  E = unknown,
  StateT = Koa.DefaultState,
  ContextT = Koa.DefaultContext,
> = Koa.Middleware<StateT, ContextT> & { readonly isr: Isr<V, E> };

/** Whether the response was answered: Koa starts every response as a 404 without a body. */
function answered(ctx: Koa.Context): boolean {
  return ctx.body != null || ctx.status !== 404 || ctx.headerSent || ctx.respond === false;
}

/**
 * Goes on; the `Cache-Status` member is added once downstream is done, after whatever it set
 * (a member of a cache closer to the origin), as RFC 9211 §2 orders the list.
 */
function proceed(ctx: Koa.Context, next: Koa.Next, cacheStatus: string | undefined): Promise<unknown> {
  if (cacheStatus === undefined) return next();
  return next().then(() => {
    if (ctx.headerSent) return;
    ctx.set(CACHE_STATUS_HEADER, withCacheStatusMember(ctx.response.get(CACHE_STATUS_HEADER), cacheStatus));
  });
}

/**
 * Koa middleware: serves cached data to `apply`, refreshing it in the background when stale.
 * `app.use(isrPlug({ fetch, apply, extract, cacheKey }))`. Errors reject, so they reach
 * Koa's error handling (an upstream try/catch or `app.on("error")`).
 */
export function isrPlug<V, E = unknown, StateT = Koa.DefaultState, ContextT = Koa.DefaultContext>(
  options: KoaIsrOptions<V, E, StateT, ContextT>,
): IsrKoaMiddleware<V, E, StateT, ContextT> {
  // Read through `?? {}`: when Koa calls the factory itself, the Plug's check throws the hint.
  const { apply, onError } = options ?? {};
  const plug = new Plug<
    KoaContext<StateT, ContextT>,
    V,
    E,
    undefined,
    Koa.Next,
    Promise<unknown> | undefined
  >(options, {
    usage: "app.use(isrPlug({ fetch, apply, ... })), not app.use(isrPlug)",
    apply: (ctx, _res, value, info) => apply(ctx, value, info),
    onError: onError && ((ctx, _res, error) => onError(ctx, error)),
    proceed: (ctx, _res, next, _applied, _info, cacheStatus) => proceed(ctx, next, cacheStatus),
    afterError: (ctx, _res, next, _handled, cacheStatus) =>
      answered(ctx) ? undefined : proceed(ctx, next, cacheStatus),
    fail: (_ctx, _res, _next, error) => Promise.reject(error),
  });

  const isrPlugMiddleware: Koa.Middleware<StateT, ContextT> = (ctx, next) => plug.run(ctx, undefined, next);
  return Object.assign(isrPlugMiddleware, { isr: plug.engine });
}

export default isrPlug;

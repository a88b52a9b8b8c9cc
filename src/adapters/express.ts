import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { Isr } from "../engine.js";
import type { IsrOptions } from "../options.js";
import { addCacheStatusOnHeaders } from "./cache-status-node.js";
import { type IsrInfo, Plug, type PlugCallbacks } from "./plug.js";

export type { IsrInfo } from "./plug.js";
export { type ExpressResponseOptions, type IsrResponseMiddleware, isrResponse } from "./response-express.js";

/** Options of the Express/Connect middleware: the core options plus request callbacks. */
export interface ExpressIsrOptions<V, E = unknown, Req = Request, Res = Response>
  extends IsrOptions<V, E>,
    PlugCallbacks<Req, E> {
  /** Puts the value on the request or response (the seed's `apply_fun`); may return a Promise. */
  apply: (req: Req, res: Res, value: V, info: IsrInfo) => unknown;
  /**
   * Handles a failed synchronous fetch. If it sends a response, the route does not run;
   * otherwise `next()` follows. Do not call `next` yourself.
   * @default logs a warning and passes the request through; `apply` is not called
   */
  onError?: (req: Req, res: Res, error: unknown) => unknown;
}

/** The middleware, with its engine for `invalidate`, `revalidate` and `close`. */
export type IsrMiddleware<V, E = unknown> = RequestHandler & {
  readonly isr: Isr<V, E>;
};

const proceed = (res: Response, next: NextFunction, cacheStatus: string | undefined): void => {
  if (cacheStatus !== undefined) addCacheStatusOnHeaders(res, cacheStatus);
  next();
};

/**
 * Express 4/5 and Connect middleware: serves cached data to `apply`, refreshing it in the
 * background when stale. `app.use(isrPlug({ fetch, apply, extract, cacheKey }))`.
 */
export function isrPlug<V, E = unknown>(options: ExpressIsrOptions<V, E>): IsrMiddleware<V, E> {
  const plug = new Plug<Request, V, E, Response, NextFunction>(options, {
    usage: "app.use(isrPlug({ fetch, apply, ... })), not app.use(isrPlug)",
    // Read through `options?.`: when Express calls the factory itself, the check above throws first.
    apply: options?.apply,
    onError: options?.onError,
    proceed: (_req, res, next, _applied, _info, cacheStatus) => proceed(res, next, cacheStatus),
    afterError: (_req, res, next, _handled, cacheStatus) => {
      if (!res.headersSent && !res.writableEnded) proceed(res, next, cacheStatus);
    },
    fail: (_req, _res, next, error) => next(error),
  });

  const isrPlugMiddleware: RequestHandler = (req, res, next) => {
    const pending = plug.run(req, res, next);
    if (pending instanceof Promise) pending.catch(plug.reportLate);
  };

  return Object.assign(isrPlugMiddleware, { isr: plug.engine });
}

export default isrPlug;

import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { Served } from "../engine.js";
import type { IsrOptions } from "../options.js";
import { isPromiseLike } from "../stores/store.js";
import { type IsrInfo, infoOf, Plug, type PlugCallbacks } from "./plug.js";

export type { IsrInfo } from "./plug.js";

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
  readonly isr: Plug<Request, V, E>["engine"];
};

/**
 * Express 4/5 and Connect middleware: serves cached data to `apply`, refreshing it in the
 * background when stale. `app.use(isrPlug({ fetch, apply, extract, cacheKey }))`.
 */
export function isrPlug<V, E = unknown>(options: ExpressIsrOptions<V, E>): IsrMiddleware<V, E> {
  const plug = new Plug<Request, V, E>(options);
  const { apply, onError } = options;

  const applyThenNext = (req: Request, res: Response, next: NextFunction, result: Served<V>): void => {
    let applied: unknown;
    try {
      applied = apply(req, res, result.value, infoOf(result));
    } catch (error) {
      next(error);
      return;
    }
    if (isPromiseLike(applied)) Promise.resolve(applied).then(() => next(), next);
    else next();
  };

  const nextUnlessSent = (res: Response, next: NextFunction): void => {
    if (!res.headersSent && !res.writableEnded) next();
  };

  const handleFetchError = (req: Request, res: Response, next: NextFunction, error: unknown): void => {
    if (onError === undefined) {
      plug.logPassThrough(error);
      next();
      return;
    }
    let handled: unknown;
    try {
      handled = onError(req, res, error);
    } catch (thrown) {
      next(thrown);
      return;
    }
    if (isPromiseLike(handled)) Promise.resolve(handled).then(() => nextUnlessSent(res, next), next);
    else nextUnlessSent(res, next);
  };

  const reportLate = (error: unknown): void => {
    plug.engine.log.error({ err: error }, "error after the request was passed on");
  };

  const isrPlugMiddleware: RequestHandler = (req, res, next) => {
    let result: Served<V> | Promise<Served<V>>;
    try {
      result = plug.resolve(req);
    } catch (error) {
      next(error);
      return;
    }
    if (result instanceof Promise) {
      result
        .then(
          (resolved) => applyThenNext(req, res, next, resolved),
          (error: unknown) => handleFetchError(req, res, next, error),
        )
        .catch(reportLate);
    } else {
      applyThenNext(req, res, next, result);
    }
  };

  return Object.assign(isrPlugMiddleware, { isr: plug.engine });
}

export default isrPlug;

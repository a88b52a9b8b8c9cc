import type { RequestListener } from "node:http";
import type { Application, NextFunction, RequestHandler, Response } from "express";
import { ResponseCache, type ResponseOutcome } from "../response/cache.js";
import type { ResponseCacheOptions } from "../response/options.js";
import { addCacheStatusOnHeaders } from "./cache-status-node.js";
import {
  captureNodeResponse,
  dropConditionals,
  nodePageRequest,
  nodeRender,
  writeAnswer,
} from "./response-node.js";

/** Options of `isrResponse` for Express/Connect. */
export interface ExpressResponseOptions extends ResponseCacheOptions {
  /**
   * The app re-renders without a client are injected into. @default the Express app the
   * request came through (`req.app`, up to the top-level app); required with Connect
   */
  app?: RequestListener;
}

/** The middleware, with its response cache (`invalidateTag`, `invalidatePath`, `revalidatePath`, `close`). */
export type IsrResponseMiddleware = RequestHandler & { readonly cache: ResponseCache };

/** The top-level Express app: a sub-app sees the URL the top-level one was given as `originalUrl`. */
function rootApp(app: Application | undefined): RequestListener | undefined {
  let root = app as (Application & { parent?: Application }) | undefined;
  while (root?.parent !== undefined) root = root.parent;
  return root as unknown as RequestListener | undefined;
}

/**
 * Express 4/5 and Connect: caches whole responses of the routes after it (Next.js-style ISR).
 * `app.use(isrResponse({ cacheStatus: true }))`, before `compression()` if any, so that the
 * compressed bytes are what is stored. The route sets its lifetimes with `Cache-Control`.
 */
export function isrResponse(options: ExpressResponseOptions = {}): IsrResponseMiddleware {
  const { app, ...rest } = options ?? {};
  const cache = new ResponseCache(rest);

  const act = (res: Response, next: NextFunction, outcome: ResponseOutcome): void => {
    if (outcome.kind === "hit") writeAnswer(res, outcome);
    else if (outcome.kind === "pass") {
      if (outcome.cacheStatus !== undefined) addCacheStatusOnHeaders(res, outcome.cacheStatus);
      next();
    }
    // "live": the route is already running on this response.
  };

  const isrResponseMiddleware: RequestHandler = (req, res, next) => {
    const url = req.originalUrl ?? req.url;
    let outcome: ResponseOutcome | Promise<ResponseOutcome>;
    try {
      outcome = cache.serve(nodePageRequest(req.method, url, req.headers), {
        live: (cacheStatus) => {
          const capture = cache.capture();
          captureNodeResponse(res, capture, cacheStatus);
          dropConditionals(req.headers);
          next();
          return capture.result;
        },
        background: () => {
          const dispatch = app ?? rootApp(req.app);
          if (dispatch === undefined) {
            return Promise.reject(
              new TypeError('isr-plug: isrResponse needs the "app" option outside Express'),
            );
          }
          return nodeRender(dispatch, req, url, cache);
        },
      });
    } catch (error) {
      next(error);
      return;
    }
    if (outcome instanceof Promise) outcome.then((result) => act(res, next, result), next);
    else act(res, next, outcome);
  };

  return Object.assign(isrResponseMiddleware, { cache });
}

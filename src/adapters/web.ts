import { describeValue } from "../check.js";
import type { Isr } from "../engine.js";
import type { IsrOptions } from "../options.js";
import { withStatusMember } from "./cache-status.js";
import { type IsrInfo, looksLikeARequest, Plug, type PlugCallbacks } from "./plug.js";

export type { IsrInfo } from "./plug.js";
export { isrResponse, type WithResponseCache } from "./response-web.js";

/** What `onError` may return: a Response answers the request; nothing runs the handler without a value. */
// biome-ignore lint/suspicious/noConfusingVoidType: a callback that returns nothing (a block body) must type-check.
export type WebErrorResult = Response | void;

/**
 * Options of the Web-standard wrapper: the core options plus request callbacks. `A` is what
 * the handler receives, the value itself unless `apply` maps it.
 */
export interface WebIsrOptions<V, E = unknown, A = V> extends IsrOptions<V, E>, PlugCallbacks<Request, E> {
  /**
   * Maps the value to what the handler receives (the seed's `apply_fun`: a Web handler has no
   * request object to decorate, so the value is handed to it); may return a Promise.
   * @default the value itself
   */
  apply?: (request: Request, value: V, info: IsrInfo) => A | PromiseLike<A>;
  /**
   * Handles a failed synchronous fetch. If it returns a Response, that is the response and
   * the handler does not run; otherwise the handler runs with `value` and `info` undefined.
   * @default logs a warning and runs the handler without a value; `apply` is not called
   */
  onError?: (request: Request, error: unknown) => WebErrorResult | PromiseLike<WebErrorResult>;
}

/**
 * A handler wrapped by `isrPlug`: the request, the applied value and `info` (both
 * `undefined` when the fetch failed and `onError` passed the request through), then
 * whatever the caller passes after the request (Next.js: the route context).
 */
export type IsrHandler<A, Req extends Request = Request, Rest extends unknown[] = []> = (
  request: Req,
  value: A | undefined,
  info: IsrInfo | undefined,
  ...rest: Rest
) => Response | Promise<Response>;

/** Wraps handlers; carries the engine for `invalidate`, `revalidate` and `close`. */
export interface WithIsr<V, E = unknown, A = V> {
  <Req extends Request = Request, Rest extends unknown[] = []>(
    handler: IsrHandler<A, Req, Rest>,
  ): (request: Req, ...rest: Rest) => Response | Promise<Response>;
  readonly isr: Isr<V, E>;
}

type Handler = IsrHandler<unknown, Request, unknown[]>;
type WebResult = Response | Promise<Response>;

const passValue = (_request: Request, value: unknown): unknown => value;

/**
 * Adds this cache's `Cache-Status` member to the handler's response (copied if its headers
 * are immutable), after any member already there: a wrapper nearer the handler, or an
 * upstream cache whose response the handler passes on, is closer to the origin (RFC 9211 §2).
 */
function withCacheStatus(result: WebResult, cacheStatus: string | undefined): WebResult {
  if (cacheStatus === undefined) return result;
  const add = (response: Response): Response => withStatusMember(response, cacheStatus);
  return result instanceof Response ? add(result) : Promise.resolve(result).then(add);
}

/**
 * For Web-standard handlers (Next.js App Router route handlers, `Bun.serve`, `Deno.serve`,
 * workers): `const withSettings = isrPlug(options)`, then
 * `export const GET = withSettings((request, settings, info) => Response.json(settings))`.
 * Errors reject the returned Promise, for the caller's error handling.
 */
export function isrPlug<V, E = unknown, A = V>(options: WebIsrOptions<V, E, A>): WithIsr<V, E, A> {
  const apply = (options?.apply ?? passValue) as NonNullable<WebIsrOptions<V, E, unknown>["apply"]>;
  const onError = options?.onError;
  const plug = new Plug<Request, V, E, unknown[], Handler, WebResult>(
    // `apply` is optional here: fill it in before the shared check that it is a function.
    options === null || typeof options !== "object" || looksLikeARequest(options)
      ? options
      : { ...options, apply },
    {
      usage:
        "const withSettings = isrPlug({ fetch, ... }); export const GET = withSettings((request, value, info) => Response.json(value)), not export const GET = isrPlug",
      apply: (request, _rest, value, info) => apply(request, value, info),
      onError: onError && ((request, _rest, error) => onError(request, error)),
      proceed: (request, rest, handler, applied, info, cacheStatus) =>
        withCacheStatus(handler(request, applied, info, ...rest), cacheStatus),
      afterError: (request, rest, handler, handled, cacheStatus) =>
        handled instanceof Response
          ? handled
          : withCacheStatus(handler(request, undefined, undefined, ...rest), cacheStatus),
      fail: (_request, _rest, _handler, error) => Promise.reject(error),
    },
  );

  const wrap = (handler: Handler) => {
    if (looksLikeARequest(handler)) {
      throw new TypeError(
        "isr-plug: the wrapper was called with a request instead of a handler: it wraps a route handler. Write export const GET = withSettings((request, value, info) => Response.json(value)), not export const GET = withSettings",
      );
    }
    if (typeof handler !== "function") {
      throw new TypeError(`isr-plug: the handler must be a function, got ${describeValue(handler)}`);
    }
    return (request: Request, ...rest: unknown[]) => plug.run(request, rest, handler) as WebResult;
  };
  return Object.assign(wrap, { isr: plug.engine }) as unknown as WithIsr<V, E, A>;
}

export default isrPlug;

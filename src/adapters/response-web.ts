import { type RenderHooks, ResponseCache, type ResponseOutcome } from "../response/cache.js";
import { drainInto, type ResponseCapture, readInto, webHeaders } from "../response/capture.js";
import type { PageRequest, ResponseCacheOptions } from "../response/options.js";
import type { Rendered } from "../response/page.js";
import { replayedHeaders } from "../response/safety.js";
import type { CachedAnswer } from "../response/serve.js";
import { withStatusMember } from "./cache-status.js";

/** The request as the response cache reads it, from a Web `Request`. */
export function webPageRequest(request: Request): PageRequest {
  const url = new URL(request.url);
  return {
    method: request.method,
    host: request.headers.get("host") ?? url.host,
    url: url.pathname + url.search,
    urlHost: url.host,
    header: (name) => request.headers.get(name) ?? undefined,
  };
}

/** A cached answer as a Web `Response`. */
export function responseOf(answer: CachedAnswer): Response {
  const headers = new Headers();
  for (const [name, value] of answer.headers) headers.append(name, value);
  return new Response(answer.body as Uint8Array<ArrayBuffer> | undefined, { status: answer.status, headers });
}

/**
 * The response a live render hands its client: the body teed, one branch for the client (it
 * never waits for the capture), one read into the capture until it ends.
 */
export function teeForCapture(
  response: Response,
  capture: ResponseCapture,
  member: string | undefined,
): Response {
  // Read before this cache's own member is added, which must not be stored with the page.
  const storable = capture.head(response.status, webHeaders(response.headers));
  if (!storable || response.body === null) {
    capture.end();
    return withStatusMember(response, member);
  }
  const [client, mine] = response.body.tee();
  void readInto(mine, capture);
  return withStatusMember(new Response(client, response), member);
}

/** A GET rebuilt from the request that asked for a re-render (its headers, but no conditionals). */
export function rebuiltRequest(request: Request, extra?: Record<string, string>): Request {
  const headers = replayedHeaders(request.headers.entries());
  return new Request(request.url, { method: "GET", headers: { ...headers, ...extra } });
}

/** Renders a page without a client, from a Web handler's response. */
export function renderResponse(
  cache: ResponseCache,
  response: Response | Promise<Response>,
): Promise<Rendered> {
  return Promise.resolve(response).then((result) => drainInto(result, cache.capture()));
}

type Handler<Rest extends unknown[]> = (request: Request, ...rest: Rest) => Response | Promise<Response>;

/** Wraps handlers; carries the response cache (`invalidateTag`, `invalidatePath`, `revalidatePath`, `close`). */
export interface WithResponseCache {
  <Req extends Request = Request, Rest extends unknown[] = []>(
    handler: (request: Req, ...rest: Rest) => Response | Promise<Response>,
  ): (request: Req, ...rest: Rest) => Promise<Response>;
  readonly cache: ResponseCache;
}

/**
 * Web-standard handlers (Next.js route handlers, Bun, Deno, workers): caches their whole
 * responses. `const cached = isrResponse({ cacheStatus: true })`, then
 * `export const GET = cached((request) => new Response(html, { headers: { "cache-control": "s-maxage=60" } }))`.
 * A re-render calls the handler with a rebuilt GET request and the same extra arguments.
 */
export function isrResponse(options: ResponseCacheOptions = {}): WithResponseCache {
  const cache = new ResponseCache(options);
  const wrap = <Rest extends unknown[]>(handler: Handler<Rest>) => {
    if (typeof handler !== "function") {
      throw new TypeError("isr-plug: isrResponse(options) returns a wrapper: pass it the route handler");
    }
    return async (request: Request, ...rest: Rest): Promise<Response> => {
      let live: Promise<Response> | undefined;
      const hooks: RenderHooks = {
        live: (member) => {
          const capture = cache.capture();
          live = Promise.resolve(handler(request, ...rest)).then(
            (response) => teeForCapture(response, capture, member),
            (error: unknown) => {
              capture.abort();
              throw error;
            },
          );
          return capture.result;
        },
        background: () => renderResponse(cache, handler(rebuiltRequest(request), ...rest)),
      };
      const outcome: ResponseOutcome = await cache.serve(webPageRequest(request), hooks);
      if (outcome.kind === "hit") return responseOf(outcome);
      if (outcome.kind === "live" && live !== undefined) return live;
      return withStatusMember(
        await handler(request, ...rest),
        outcome.kind === "pass" ? outcome.cacheStatus : undefined,
      );
    };
  };
  return Object.assign(wrap, { cache }) as unknown as WithResponseCache;
}

import { cacheStatusName } from "../adapters/cache-status.js";
import { describeValue } from "../check.js";
import { Engine, type Isr, type Served } from "../engine.js";
import type { CacheKey } from "../key.js";
import { CORE_OPTION_NAMES, type IsrOptions } from "../options.js";
import { createMemoryStore } from "../stores/memory.js";
import type { StoreEntry } from "../stores/store.js";
import { ResponseCapture } from "./capture.js";
import { pageKey, pathTag, variantKey, varyValues } from "./key.js";
import {
  type PageRequest,
  RESPONSE_DEFAULTS,
  type RenderJob,
  type ResolvedResponseOptions,
  type ResponseCacheOptions,
  resolveResponseOptions,
} from "./options.js";
import type { PageValue, Rendered } from "./page.js";
import { PageRenderer } from "./render.js";
import { requestRefusal } from "./safety.js";
import { answerFrom, type CachedAnswer } from "./serve.js";
import type { RevalidationMode, RevalidationTarget } from "./target.js";

/**
 * How the cache answers one request:
 * - `hit`: write the stored page (`CachedAnswer`);
 * - `pass`: run the route as if there were no cache (nothing is stored): a request that may
 *   not be cached, or one that waited for a render that must not be stored;
 * - `live`: this request's own render is running on its response (the adapter went on to the
 *   route when `live` was called), and is stored once complete.
 */
export type ResponseOutcome = CachedAnswer | PassThrough | { readonly kind: "live" };

export interface PassThrough {
  readonly kind: "pass";
  /** This cache's `Cache-Status` member for the response, when the header is on. */
  readonly cacheStatus: string | undefined;
}

/** What an adapter gives for one request: the two ways it can render the page. */
export interface RenderHooks {
  /**
   * Goes on to the route on this request's own response, streaming it to the client while
   * capturing it; resolves with the whole response (or why it cannot be stored, as soon as
   * that is known). Called at most once, by the engine, when this request starts a miss.
   * `cacheStatus` is the member to add to that response, when the header is on.
   */
  live?: (cacheStatus: string | undefined) => Promise<Rendered>;
  /** Renders the page without a client (an injected GET): stale re-renders, HEAD misses. */
  background: () => Promise<Rendered>;
}

/**
 * What a stored page costs in memory: its base64 body (one byte a character), the decoded
 * bytes kept beside it once served (three quarters of that), its headers, and some overhead.
 */
function pageSize(entry: StoreEntry, key: string): number {
  const page = entry.value as PageValue;
  if (page.kind !== "page") return 128 + key.length * 2;
  let headers = 0;
  for (const [name, value] of page.headers) headers += (name.length + value.length) * 2 + 32;
  return 256 + key.length * 2 + page.body.length * 1.75 + headers;
}

// Everything but `tags` (a page's tags come from its response): the user's `fetch` was refused above.
const ENGINE_OPTION_NAMES = CORE_OPTION_NAMES.filter((name) => name !== "tags");

const LIVE = Object.freeze({ kind: "live" as const });

/** Header marking a re-render the cache sent through the app itself, so that it passes the cache by. */
export const RENDER_MARKER_HEADER = "x-isr-plug-render";

/**
 * Next.js-style ISR of whole responses on the engine: a page is a value, a render is a fetch.
 * Fresh pages are served from the cache, stale ones at once while one background re-render
 * runs, misses rendered once (single-flight, fleet-wide on Redis) on the first client's
 * own response. The adapters (`isrResponse` in each) translate requests and responses.
 */
export class ResponseCache implements RevalidationTarget {
  /** The engine underneath (stats, events, the inspector). */
  readonly isr: Isr<PageValue, RenderJob>;
  /** The marker's value: a re-render carrying it in `RENDER_MARKER_HEADER` passes the cache by. */
  readonly renderToken: string;
  readonly #engine: Engine<PageValue, RenderJob>;
  readonly #options: ResolvedResponseOptions;
  readonly #live: string | undefined;
  readonly #bypass: PassThrough;
  readonly #unstorable: PassThrough;
  readonly #failed: PassThrough;
  readonly #inner: PassThrough = Object.freeze({ kind: "pass", cacheStatus: undefined });
  /** The name in `Cache-Status`, when the header is on. */
  readonly #statusName: string | undefined;

  constructor(options: ResponseCacheOptions) {
    if (options === null || typeof options !== "object") {
      throw new TypeError(`isr-plug: options must be an object, got ${describeValue(options)}`);
    }
    const { key, keyHeaders, keyCookies, statuses, maxBodyBytes, tagHeader, cacheStatus, ...core } = options;
    this.#options = resolveResponseOptions(options);
    const renderer = new PageRenderer(this.#options, options, () => this.#engine.log);
    if ("fetch" in core || "tags" in core) {
      throw new TypeError(
        'isr-plug: isrResponse renders pages itself: it takes no "fetch" nor "tags" option',
      );
    }
    const engineOptions: IsrOptions<PageValue, RenderJob> = {
      ...core,
      store: core.store ?? createMemoryStore({ maxBytes: RESPONSE_DEFAULTS.storeMaxBytes, sizeOf: pageSize }),
      fetch: renderer.fetch,
    };
    this.#engine = new Engine(engineOptions, ENGINE_OPTION_NAMES);
    this.isr = this.#engine;
    const name = cacheStatusName(cacheStatus);
    const member = (params: string) => (name === undefined ? undefined : `${name}; ${params}`);
    this.#live = member("fwd=miss");
    this.#bypass = Object.freeze({ kind: "pass", cacheStatus: member("fwd=bypass") });
    this.#unstorable = Object.freeze({ kind: "pass", cacheStatus: member("fwd=miss; detail=unstorable") });
    this.#failed = Object.freeze({ kind: "pass", cacheStatus: member("fwd=miss; detail=render-error") });
    this.#statusName = name;
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    this.renderToken = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  }

  /**
   * Answers one request (see `ResponseOutcome`): synchronously on a hit from a memory store.
   * Throws what the `key` option throws. Never rejects: a render that failed makes the
   * request render for itself.
   */
  serve(request: PageRequest, hooks: RenderHooks): ResponseOutcome | Promise<ResponseOutcome> {
    if (request.header(RENDER_MARKER_HEADER) === this.renderToken) return this.#inner;
    if (requestRefusal(request, this.#options) !== undefined) return this.#bypass;
    const key = pageKey(request, this.#options);
    let announce: ((outcome: ResponseOutcome) => void) | undefined;
    const live = hooks.live;
    const job: RenderJob = {
      request,
      // HEAD has no body to capture: its miss renders a GET without a client.
      live:
        live === undefined || request.method !== "GET"
          ? undefined
          : () => {
              job.rendering = true;
              announce?.(LIVE);
              return live(this.#live);
            },
      background: hooks.background,
      rendering: false,
    };
    const found = this.#find(key, job, true);
    if (!(found instanceof Promise)) return found;
    if (job.rendering) return LIVE;
    // Whichever comes first: this request's own render starting, or the answer it waited for.
    return new Promise((resolve) => {
      announce = resolve;
      found.then(resolve);
    });
  }

  #find(key: CacheKey, job: RenderJob, first: boolean): ResponseOutcome | Promise<ResponseOutcome> {
    const served = this.#engine.lookup(key, job);
    if (!(served instanceof Promise)) return this.#answer(served, key, job, first);
    return served.then(
      (result) => this.#answer(result, key, job, first),
      (error: unknown) => {
        if (job.rendering) return LIVE;
        if (this.#engine.log.debugEnabled()) {
          this.#engine.log.debug(
            { url: job.request.url, err: error },
            "render failed; the request renders for itself",
          );
        }
        return this.#failed;
      },
    );
  }

  #answer(
    served: Served<PageValue>,
    key: CacheKey,
    job: RenderJob,
    first: boolean,
  ): ResponseOutcome | Promise<ResponseOutcome> {
    if (job.rendering) return LIVE;
    const page = served.value;
    if (page.kind === "pass") return this.#unstorable;
    if (first && page.vary !== undefined) {
      // The page varies on request headers: another variant than this one lives under its own key.
      const values = varyValues(job.request, page.vary);
      if (values.some((value, i) => value !== page.varyValues?.[i])) {
        return this.#find(variantKey(key, page.vary, values), job, false);
      }
    }
    return answerFrom(page, served, job.request, this.#statusName);
  }

  /** A capture for one response, with this cache's storability rules. */
  capture(): ResponseCapture {
    return new ResponseCapture(this.#options);
  }

  invalidateTag(tag: string, options?: { mode?: RevalidationMode }): Promise<void> {
    return this.#engine.invalidateTag(tag, options);
  }

  /** Invalidates every page stored for `path` (its query and `Vary` variants included, on every host). */
  invalidatePath(path: string, options?: { mode?: RevalidationMode }): Promise<void> {
    if (typeof path !== "string" || !path.startsWith("/")) {
      return Promise.reject(new TypeError(`isr-plug: a path starts with "/", got ${describeValue(path)}`));
    }
    return this.#engine.invalidateTag(pathTag(path), options);
  }

  /** Next.js's `revalidatePath`: the path's pages turn stale, served while one background re-render each runs. */
  revalidatePath(path: string): Promise<void> {
    return this.invalidatePath(path, { mode: "soft" });
  }

  /** Closes the engine (see `Isr.close`). */
  close(): Promise<void> {
    return this.#engine.close();
  }
}

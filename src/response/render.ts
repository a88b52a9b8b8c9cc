import type { FetchControl } from "../fetch/context.js";
import type { Log } from "../log.js";
import type { FetchContext, ValueTtls } from "../options.js";
import { parseCacheControl } from "./cache-control.js";
import { TOO_BIG } from "./capture.js";
import { weakEtagOf } from "./etag.js";
import { pathTag, varyValues } from "./key.js";
import type { RenderJob, ResolvedResponseOptions, ResponseCacheOptions } from "./options.js";
import {
  type CapturedResponse,
  headerOf,
  joinedHeader,
  type PageValue,
  type StoredPage,
  toBase64,
} from "./page.js";
import { HOP_BY_HOP, headUnstorable, varyOf } from "./safety.js";

/** A render that answered with a server error: the engine counts it as a failed fetch (stale-if-error applies). */
export class RenderFailedError extends Error {
  readonly status: number;
  constructor(status: number) {
    super(`isr-plug: the page rendered with status ${status}`);
    this.name = "RenderFailedError";
    this.status = status;
  }
}

const MAX_TAGS = 63; // an entry carries at most 64 tags; one is the path's
const MAX_TAG_LENGTH = 256;

/**
 * The engine's `fetch` for pages: renders one (on the waiting client's response for a miss,
 * else without a client), then decides what the engine keeps. A response that must not be
 * stored becomes an `UnstorablePage` marked `noCache`, so that the requests which waited for
 * it render for themselves rather than receive another client's response.
 */
export class PageRenderer {
  readonly #options: ResolvedResponseOptions;
  readonly #lifetimes: ResponseCacheOptions;
  readonly #log: () => Log;
  #loggedTooBig = false;

  constructor(options: ResolvedResponseOptions, lifetimes: ResponseCacheOptions, log: () => Log) {
    this.#options = options;
    this.#lifetimes = lifetimes;
    this.#log = log;
  }

  readonly fetch = async (job: RenderJob, context: FetchContext<PageValue>): Promise<PageValue> => {
    const live = (context as FetchControl<PageValue>).purpose === "miss" ? job.live : undefined;
    if (live !== undefined) job.live = undefined;
    const rendered = await (live === undefined ? job.background() : live());
    if ("unstorable" in rendered) return this.#unstorable(context, rendered.unstorable, job);
    if (rendered.status >= 500) throw new RenderFailedError(rendered.status);
    const reason =
      headUnstorable(rendered.status, rendered.headers, this.#options) ??
      (rendered.body.length > this.#options.maxBodyBytes ? TOO_BIG : undefined);
    if (reason !== undefined) return this.#unstorable(context, reason, job);
    this.#setLifetimes(context, joinedHeader(rendered.headers, "cache-control"));
    context.addTags(pathTag(job.request.url), ...this.#tagsOf(rendered));
    return pageOf(rendered, job);
  };

  #unstorable(context: FetchContext<PageValue>, reason: string, job: RenderJob): PageValue {
    context.noCache();
    if (reason === TOO_BIG && !this.#loggedTooBig) {
      this.#loggedTooBig = true;
      this.#log().warn(
        { url: job.request.url, maxBodyBytes: this.#options.maxBodyBytes },
        "response body larger than maxBodyBytes; such responses are passed through, not stored (logged once)",
      );
    }
    return { kind: "pass", reason };
  }

  /** The route's own `Cache-Control` lifetimes (RFC 5861), where no option overrides them. */
  #setLifetimes(context: FetchContext<PageValue>, cacheControl: string | undefined): void {
    const directives = parseCacheControl(cacheControl);
    const given = this.#lifetimes;
    const ttls: ValueTtls = {};
    if (given.ttlMs === undefined && directives.ttlMs !== undefined) ttls.ttlMs = directives.ttlMs;
    // A route that states its lifetime is served stale only as long as it says.
    if (
      given.staleTtlMs === undefined &&
      (directives.ttlMs !== undefined || directives.staleTtlMs !== undefined)
    ) {
      ttls.staleTtlMs = directives.staleTtlMs ?? 0;
    }
    if (given.staleIfErrorMs === undefined && directives.staleIfErrorMs !== undefined) {
      ttls.staleIfErrorMs = directives.staleIfErrorMs;
    }
    if (Object.keys(ttls).length > 0) context.setTtl(ttls);
  }

  #tagsOf(rendered: CapturedResponse): string[] {
    const listed = joinedHeader(rendered.headers, this.#options.tagHeader);
    if (listed === undefined) return [];
    const tags = listed
      .split(",")
      .map((tag) => tag.trim())
      .filter((tag) => tag !== "" && tag.length <= MAX_TAG_LENGTH);
    return tags.slice(0, MAX_TAGS);
  }
}

async function pageOf(rendered: CapturedResponse, job: RenderJob): Promise<StoredPage> {
  const headers = rendered.headers.filter(([name]) => !HOP_BY_HOP.has(name));
  let etag = headerOf(headers, "etag");
  if (etag === undefined) {
    etag = await weakEtagOf(rendered.body);
    headers.push(["etag", etag]);
  }
  const vary = varyOf(headers);
  const page: StoredPage = {
    kind: "page",
    status: rendered.status,
    headers,
    body: toBase64(rendered.body),
    etag,
  };
  if (vary === undefined || vary === "*") return page;
  return { ...page, vary, varyValues: varyValues(job.request, vary) };
}

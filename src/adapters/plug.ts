import { describeValue, optionNames } from "../check.js";
import { Engine, type IsrState, type Served } from "../engine.js";
import { type CacheKey, DEFAULT_CACHE_KEY } from "../key.js";
import { CORE_OPTION_NAMES, type IsrOptions } from "../options.js";
import { isPromiseLike } from "../stores/store.js";
import { cacheStatusName, cacheStatusOf, cacheStatusOfFailure } from "./cache-status.js";

/** What `apply` receives besides the value: how it was served, and under which key. */
export interface IsrInfo {
  state: IsrState;
  /** ms since the value was stored. */
  ageMs: number;
  /** The cache key, as `cacheKey` returned it. */
  key: CacheKey;
  /**
   * Present only when an older value was served because the fetch failed (stale-if-error)
   * or passed `softTimeoutMs`: the fetch's error, or a soft `IsrTimeoutError`.
   */
  error?: unknown;
}

/** The `info` an adapter passes to `apply`: `{ state, ageMs, key }`, plus `error` on a stale-if-error serve. */
export function infoOf(served: Served<unknown>): IsrInfo {
  const { state, ageMs, key, error } = served;
  return error === undefined ? { state, ageMs, key } : { state, ageMs, key, error };
}

/** Request-shaped callbacks every adapter takes on top of the core options. */
export interface PlugCallbacks<Req, E> {
  /** Pulls what `fetch` needs from the request (the seed's `extract_data_fun`). @default () => ({}) */
  extract?: (req: Req) => E;
  /**
   * Names the entry for this request (the seed's `cache_key_fun`): a string or an array of
   * strings and numbers. @default () => "isr_plug_default_key", shared by all requests
   */
  cacheKey?: (req: Req) => CacheKey;
  /**
   * Adds this cache's member to the RFC 9211 `Cache-Status` response header
   * (`isr-plug; hit; ttl=42`, a stale hit `isr-plug; hit; ttl=-3`, `isr-plug; fwd=miss; stored`;
   * see docs/API.md), after any member already there; a string names the cache in it.
   * @default false
   */
  cacheStatus?: boolean | string;
}

/**
 * Every option name an adapter takes, for the unknown-option check: the core's, the request
 * callbacks' (kept complete by the compiler), and `apply` and `onError`, whose types are each
 * framework's own.
 */
export const PLUG_OPTION_NAMES: readonly string[] = [
  ...CORE_OPTION_NAMES,
  ...optionNames<PlugCallbacks<unknown, unknown>>({ extract: true, cacheKey: true, cacheStatus: true }),
  "apply",
  "onError",
];

/**
 * How one framework carries a request through the plug: everything an adapter knows and the
 * engine does not. A middleware call is `(req, res, next)`: what `extract` and `cacheKey`
 * read, the response side if the framework keeps one apart (else `undefined`), and the way on.
 * `R` is what the framework expects the middleware to return.
 */
export interface Translation<Req, Res, Next, V, R> {
  /**
   * How the factory is registered, for the hint when a framework was handed the factory
   * itself and calls it with a request: `app.use(isrPlug({ fetch, apply }))`.
   */
  usage: string;
  /** Calls the user's `apply` in the framework's shape; may return a Promise (awaited). */
  apply(req: Req, res: Res, value: V, info: IsrInfo): unknown;
  /** The user's `onError` in the framework's shape; `undefined` logs and passes through. */
  onError: ((req: Req, res: Res, error: unknown) => unknown) | undefined;
  /**
   * Lets the request go on, after `apply` (its awaited result and `info`) or without a value.
   * `cacheStatus`, when the option is on, is the `Cache-Status` header to add to the response.
   */
  proceed(
    req: Req,
    res: Res,
    next: Next,
    applied: unknown,
    info: IsrInfo | undefined,
    cacheStatus: string | undefined,
  ): R;
  /** After the user's `onError` settled with `handled`: stop if it answered, else go on (with `cacheStatus`). */
  afterError(req: Req, res: Res, next: Next, handled: unknown, cacheStatus: string | undefined): R;
  /** Hands an exception to the framework's error handling. */
  fail(req: Req, res: Res, next: Next, error: unknown): R;
  /** Logs the default pass-through; without it the engine's logger does. */
  warnPassThrough?(req: Req, error: unknown): void;
}

const PASS_THROUGH_MESSAGE = "fetch failed; passing the request through without apply";

/** The pass-through warning's text, for adapters that log it with the framework's own logger. */
export const PASS_THROUGH_WARNING = `[isr-plug] ${PASS_THROUGH_MESSAGE}`;

const defaultExtract = (): never => ({}) as never;
const defaultCacheKey = (): CacheKey => DEFAULT_CACHE_KEY;

/**
 * The framework-independent half of every adapter: validated callbacks, the engine, and the
 * one path a request takes (extract → cacheKey → lookup → apply, or onError). Adapters only
 * supply a `Translation` to their framework.
 */
export class Plug<Req, V, E, Res = undefined, Next = undefined, R = void> {
  readonly engine: Engine<V, E>;
  readonly #extract: (req: Req) => E;
  readonly #cacheKey: (req: Req) => CacheKey;
  readonly #to: Translation<Req, Res, Next, V, R>;
  readonly #cacheStatus: string | undefined;

  constructor(
    options: IsrOptions<V, E> & PlugCallbacks<Req, E> & { apply?: unknown; onError?: unknown },
    translation: Translation<Req, Res, Next, V, R>,
  ) {
    if (looksLikeARequest(options)) {
      throw new TypeError(
        `isr-plug: isrPlug was called with a request instead of options: the framework was given the factory itself. It builds the middleware from options, once: write ${translation.usage}`,
      );
    }
    if (options === null || typeof options !== "object") {
      throw new TypeError(`isr-plug: options must be an object, got ${describeValue(options)}`);
    }
    const { apply, extract, cacheKey, onError, cacheStatus, ...core } = options;
    checkFunction("apply", apply, true);
    checkFunction("extract", extract, false);
    checkFunction("cacheKey", cacheKey, false);
    checkFunction("onError", onError, false);
    // The callbacks were taken out above; everything left must be a core option.
    this.engine = new Engine<V, E>(core as IsrOptions<V, E>, PLUG_OPTION_NAMES);
    this.#extract = extract ?? defaultExtract;
    this.#cacheKey = cacheKey ?? defaultCacheKey;
    this.#to = translation;
    this.#cacheStatus = cacheStatusName(cacheStatus);
  }

  /**
   * Runs `extract`, `cacheKey` and the engine for one request. Returns the result directly
   * on a cache hit from a synchronous store, else a Promise that rejects with the fetch's
   * error. Throws what `extract` or `cacheKey` throw (or a TypeError for a bad key).
   */
  resolve(req: Req): Served<V> | Promise<Served<V>> {
    const extracted = this.#extract(req);
    return this.engine.lookup(this.#cacheKey(req), extracted);
  }

  /**
   * Serves one request. A hit from a synchronous store is applied and passed on without a
   * promise hop. Every exception reaches `fail`; what a returned Promise rejects with after
   * that (a throwing `next`) is the adapter's to report.
   */
  run(req: Req, res: Res, next: Next): R | Promise<R> {
    let served: Served<V> | Promise<Served<V>>;
    try {
      served = this.resolve(req);
    } catch (error) {
      return this.#to.fail(req, res, next, error);
    }
    if (served instanceof Promise) {
      return served.then(
        (result) => this.#apply(req, res, next, result),
        (error: unknown) => this.#fetchFailed(req, res, next, error),
      );
    }
    return this.#apply(req, res, next, served);
  }

  /** The default `onError`: log a warning, then the request passes through without `apply`. */
  logPassThrough(error: unknown): void {
    this.engine.log.warn({ namespace: this.engine.namespace, err: error }, PASS_THROUGH_MESSAGE);
  }

  /** Logs an error raised after the request was already handed on (nobody else can see it). */
  reportLate = (error: unknown): void => {
    this.engine.log.error(
      { namespace: this.engine.namespace, err: error },
      "error after the request was passed on",
    );
  };

  #apply(req: Req, res: Res, next: Next, served: Served<V>): R | Promise<R> {
    const to = this.#to;
    const info = infoOf(served);
    let applied: unknown;
    try {
      applied = to.apply(req, res, served.value, info);
    } catch (error) {
      return to.fail(req, res, next, error);
    }
    const status =
      this.#cacheStatus === undefined ? undefined : cacheStatusOf(this.#cacheStatus, served, served.stored);
    if (!isPromiseLike(applied)) return to.proceed(req, res, next, applied, info, status);
    return Promise.resolve(applied).then(
      (value) => to.proceed(req, res, next, value, info, status),
      (error: unknown) => to.fail(req, res, next, error),
    );
  }

  #fetchFailed(req: Req, res: Res, next: Next, error: unknown): R | Promise<R> {
    const to = this.#to;
    const status =
      this.#cacheStatus === undefined ? undefined : cacheStatusOfFailure(this.#cacheStatus, error);
    if (to.onError === undefined) {
      if (to.warnPassThrough === undefined) this.logPassThrough(error);
      else to.warnPassThrough(req, error);
      return to.proceed(req, res, next, undefined, undefined, status);
    }
    let handled: unknown;
    try {
      handled = to.onError(req, res, error);
    } catch (thrown) {
      return to.fail(req, res, next, thrown);
    }
    if (!isPromiseLike(handled)) return to.afterError(req, res, next, handled, status);
    return Promise.resolve(handled).then(
      (value) => to.afterError(req, res, next, value, status),
      (thrown: unknown) => to.fail(req, res, next, thrown),
    );
  }
}

/**
 * Whether a value is what a framework hands its middleware rather than options: a Node or Web
 * request, or a context (Koa's has `method` and `headers`; Hono's has `req.raw`). No option
 * has these names.
 */
export function looksLikeARequest(value: unknown): boolean {
  if (value === null || typeof value !== "object") return false;
  const { method, headers, req } = value as { method?: unknown; headers?: unknown; req?: unknown };
  if (typeof method === "string" && typeof headers === "object" && headers !== null) return true;
  return typeof req === "object" && req !== null && "raw" in req;
}

function checkFunction(name: string, value: unknown, required: boolean): void {
  if (value === undefined && !required) return;
  if (typeof value !== "function") {
    throw new TypeError(`isr-plug: "${name}" must be a function, got ${describeValue(value)}`);
  }
}

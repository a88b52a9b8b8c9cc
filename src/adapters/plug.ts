import { Engine, type IsrState, type Served } from "../engine.js";
import { type CacheKey, DEFAULT_CACHE_KEY } from "../key.js";
import { CORE_OPTION_NAMES, describeValue, type IsrOptions } from "../options.js";

/** What `apply` receives besides the value: how it was served, and under which key. */
export interface IsrInfo {
  state: IsrState;
  /** ms since the value was stored. */
  ageMs: number;
  /** The cache key, as `cacheKey` returned it. */
  key: CacheKey;
}

/** The `info` an adapter passes to `apply`: exactly `{ state, ageMs, key }`. */
export function infoOf(served: Served<unknown>): IsrInfo {
  return { state: served.state, ageMs: served.ageMs, key: served.key };
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
}

/** Every option name an adapter takes, for the unknown-option check. */
export const PLUG_OPTION_NAMES: readonly string[] = [
  ...CORE_OPTION_NAMES,
  "apply",
  "extract",
  "cacheKey",
  "onError",
];

const defaultExtract = (): never => ({}) as never;
const defaultCacheKey = (): CacheKey => DEFAULT_CACHE_KEY;

/**
 * The framework-independent half of every adapter: validated callbacks and the engine.
 * Adapters only translate their framework's request and response to `resolve` and back.
 */
export class Plug<Req, V, E> {
  readonly engine: Engine<V, E>;
  readonly #extract: (req: Req) => E;
  readonly #cacheKey: (req: Req) => CacheKey;

  constructor(options: IsrOptions<V, E> & PlugCallbacks<Req, E> & { apply?: unknown; onError?: unknown }) {
    if (options === null || typeof options !== "object") {
      throw new TypeError(`isr-plug: options must be an object, got ${describeValue(options)}`);
    }
    const { apply, extract, cacheKey, onError, ...core } = options;
    checkFunction("apply", apply, true);
    checkFunction("extract", extract, false);
    checkFunction("cacheKey", cacheKey, false);
    checkFunction("onError", onError, false);
    // The callbacks were taken out above; everything left must be a core option.
    this.engine = new Engine<V, E>(core as IsrOptions<V, E>, PLUG_OPTION_NAMES);
    this.#extract = extract ?? defaultExtract;
    this.#cacheKey = cacheKey ?? defaultCacheKey;
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

  /** The default `onError`: log a warning, then the request passes through without `apply`. */
  logPassThrough(error: unknown): void {
    this.engine.log.warn(
      { namespace: this.engine.namespace, err: error },
      "fetch failed; passing the request through without apply",
    );
  }
}

function checkFunction(name: string, value: unknown, required: boolean): void {
  if (value === undefined && !required) return;
  if (typeof value !== "function") {
    throw new TypeError(`isr-plug: "${name}" must be a function, got ${describeValue(value)}`);
  }
}

import type { StoreEntry } from "../store.js";
import type { RedisConnection } from "./client.js";
import { type Decoded, nonceOf } from "./codec.js";
import type { KeySpace } from "./keys.js";
import { bounded, type RedisLink } from "./link.js";
import type { Copy, LocalTier } from "./local-tier.js";
import type { FleetSync } from "./sync.js";

export interface ReadDeps {
  client: RedisConnection;
  link: RedisLink;
  keys: KeySpace;
  local: LocalTier;
  sync: FleetSync;
  /** Nonce of each entry handed out, so `coordinate` knows which one a request saw. */
  nonces: WeakMap<StoreEntry, string>;
  /** Decodes a stored entry; undefined (and logged) when malformed. */
  decode: (key: string, text: string) => Decoded | undefined;
  /** The entry clock. */
  now: () => number;
  commandTimeoutMs: number;
  heardWithinMs: number;
}

/**
 * The store's read path: a local copy when this process is in sync with the fleet, else
 * Redis's entry (one read per key in flight, shared), else, with Redis unreachable, the
 * local copy — as it is if it can be trusted, as stale if it cannot.
 */
export class FleetReads {
  readonly #deps: ReadDeps;
  readonly #inFlight = new Map<string, Promise<StoreEntry | undefined>>();

  constructor(deps: ReadDeps) {
    this.#deps = deps;
  }

  get(key: string): StoreEntry | undefined | Promise<StoreEntry | undefined> {
    const { local, sync, link, client, keys, now: clock, commandTimeoutMs } = this.#deps;
    const copy = local.get(key);
    const now = performance.now();
    if (copy !== undefined && clock() < copy.entry.staleAt && sync.trusted(now)) return copy.entry;
    const shared = this.#inFlight.get(key);
    if (shared !== undefined) return shared;
    const asked = link.run(() => client.get(keys.entry(key)));
    if (asked === undefined) return this.#fallback(copy, now);
    // Tag records not known to be current: read them as well, and answer once both are in
    // (waiting for them no longer than a command).
    const catchUp = sync.tagsCurrent(now) ? undefined : sync.catchUp();
    const tags = catchUp && bounded(catchUp, commandTimeoutMs).catch((): number | undefined => undefined);
    const ticket = local.begin(key);
    const read: Promise<StoreEntry | undefined> = Promise.all([asked, tags]).then(
      ([text, caughtUp]) => {
        if (this.#inFlight.get(key) === read) this.#inFlight.delete(key);
        if (text === null) {
          if (local.end(key, ticket)) local.delete(key);
          return undefined;
        }
        const decoded = this.#deps.decode(key, text);
        const nonce = decoded?.nonce ?? nonceOf(text);
        const current = local.end(key, ticket, nonce);
        if (decoded === undefined) return undefined;
        const entry = decoded.entry;
        this.#deps.nonces.set(entry, nonce);
        // Its tags could not be checked against the fleet's record: not served as fresh.
        if (tags !== undefined && caughtUp === undefined && entry.tags !== undefined)
          return this.distrusted(entry, nonce);
        const verifiedAt = Math.min(now, sync.tagsKnownAt);
        if (current) local.set(key, entry, decoded.keepUntil - clock(), { nonce, verifiedAt });
        return entry;
      },
      () => {
        if (this.#inFlight.get(key) === read) this.#inFlight.delete(key);
        local.end(key, ticket);
        return this.#fallback(local.get(key), performance.now());
      },
    );
    this.#inFlight.set(key, read);
    return read;
  }

  /** Forgets the read in flight for `key`: a get from now on reads again. */
  forget(key: string): void {
    this.#inFlight.delete(key);
  }

  forgetAll(): void {
    this.#inFlight.clear();
  }

  /** `entry`, stale from now on: it may have been invalidated unheard, so it is refreshed before it is trusted. */
  distrusted(entry: StoreEntry, nonce: string): StoreEntry {
    const now = this.#deps.now();
    if (!(entry.staleAt > now)) return entry;
    const stale = { ...entry, staleAt: now };
    this.#deps.nonces.set(stale, nonce);
    return stale;
  }

  /**
   * What to answer when Redis cannot be read: the local copy as it is if it can be trusted
   * (in sync with the fleet, or known current within the heard-within bound), else as stale.
   */
  #fallback(copy: Copy | undefined, now: number): StoreEntry | undefined {
    if (copy === undefined) return undefined;
    if (this.#deps.sync.trusted(now) || now - copy.verifiedAt < this.#deps.heardWithinMs) return copy.entry;
    return this.distrusted(copy.entry, copy.nonce);
  }
}

import type { Log } from "../../log.js";
import type { FetchPurpose, StoreEntry } from "../store.js";
import type { Scripts } from "./client.js";
import { encodeMessage } from "./codec.js";
import type { KeySpace } from "./keys.js";
import type { RedisLink } from "./link.js";

/** Why a waiting process looks again: the key changed, its lease was released (after a failed fetch), or time is up. */
export type WakeReason = "changed" | "released" | "failed" | "timeout" | "resync" | "closed";

/** The one entry the lease owner's peers accept: decoded, or undefined if malformed. */
export type DecodeEntry = (key: string, text: string) => StoreEntry | undefined;

export interface LeaseDeps {
  scripts: Scripts;
  link: RedisLink;
  keys: KeySpace;
  instanceId: string;
  leaseMs: number;
  now: () => number;
  log: Log;
  decode: DecodeEntry;
  /** True while announcements are heard, so a waiter can sleep until one arrives. */
  listening: () => boolean;
}

interface Waiter {
  wait(ms: number): Promise<WakeReason>;
  cancel(): void;
}

/** How often a waiter looks again while pub/sub is down and no announcement can wake it. */
const POLL_WITHOUT_PUBSUB_MS = 100;
/** Margin after a lease's remaining time, so the waiter looks after it has expired. */
const EXPIRY_MARGIN_MS = 5;

function noop(): void {}

/**
 * Fleet single-flight. A fetch lease per key (`SET NX PX`, renewed while the fetch runs,
 * released by compare-and-delete) elects the one process that fetches. The others skip a
 * refresh, or, for a miss, wait for the owner's entry, woken by its announcement and never
 * sleeping longer than the lease, then take over if the owner died.
 */
export class Leases {
  readonly #deps: LeaseDeps;
  /** Leases this process holds, by key: `set` writes through them. */
  readonly #owned = new Map<string, string>();
  readonly #waiters = new Map<string, Set<(reason: WakeReason) => void>>();
  readonly #renewals = new Set<ReturnType<typeof setInterval>>();
  #counter = 0;

  constructor(deps: LeaseDeps) {
    this.#deps = deps;
  }

  /** The token of the lease this process holds on `key`, if any. */
  tokenOf(key: string): string | undefined {
    return this.#owned.get(key);
  }

  /**
   * Decides who fetches `key` (the Store `coordinate` hook). `seen` is the nonce of the
   * entry the request has already seen ("" for none): an entry other than that one, written
   * meanwhile by another process, is taken instead of fetching. Without `seen` (a
   * revalidation) this process fetches unless another one is fetching right now, whose
   * entry it then takes. `signal` (the engine closing) ends a wait with its reason.
   */
  async coordinate(
    key: string,
    purpose: FetchPurpose,
    produce: () => Promise<StoreEntry>,
    seen: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<StoreEntry | undefined> {
    const token = `${this.#deps.instanceId}.${++this.#counter}`;
    let field = seen === undefined ? "" : purpose === "refresh" ? "staleAt" : "expiresAt";
    let exclude = seen ?? "";
    for (;;) {
      signal?.throwIfAborted();
      // Registered before asking Redis, so an announcement that lands in between still wakes it.
      const waiter = purpose === "refresh" ? undefined : this.#register(key, signal);
      try {
        const asked = this.#deps.link.run(() =>
          this.#deps.scripts.acquire(
            this.#deps.keys.entry(key),
            this.#deps.keys.lease(key),
            token,
            this.#deps.leaseMs,
            this.#deps.now(),
            field,
            exclude,
          ),
        );
        if (asked === undefined) return await produce();
        let reply: unknown[];
        try {
          reply = (await asked) as unknown[];
        } catch {
          this.#abandon(key, token);
          return await produce();
        }
        const [kind, detail, pttl] = reply as [number, string, number | undefined];
        if (kind === 2) return await this.#produceOwned(key, token, produce);
        if (kind === 1) return this.#deps.decode(key, detail) ?? (await produce());
        if (purpose === "refresh" || waiter === undefined) return undefined;
        // From now on only an entry written after this look is the owner's.
        field = "expiresAt";
        exclude = detail;
        const reason = await waiter.wait(this.#waitMs(pttl));
        signal?.throwIfAborted();
        if (reason === "failed" || reason === "closed") return await produce();
      } finally {
        waiter?.cancel();
      }
    }
  }

  /** Wakes this process's waiters for `key`. */
  wake(key: string, reason: WakeReason): void {
    const wakers = this.#waiters.get(key);
    if (wakers !== undefined) for (const wake of [...wakers]) wake(reason);
  }

  wakeAll(reason: WakeReason): void {
    for (const key of [...this.#waiters.keys()]) this.wake(key, reason);
  }

  close(): void {
    for (const timer of this.#renewals) clearInterval(timer);
    this.#renewals.clear();
    this.wakeAll("closed");
  }

  #waitMs(pttl: number | undefined): number {
    const leaseLeft =
      pttl !== undefined && pttl > 0 ? Math.min(pttl, this.#deps.leaseMs) : this.#deps.leaseMs;
    const ms = leaseLeft + EXPIRY_MARGIN_MS;
    return this.#deps.listening() ? ms : Math.min(ms, POLL_WITHOUT_PUBSUB_MS);
  }

  #register(key: string, signal: AbortSignal | undefined): Waiter {
    let wake!: (reason: WakeReason) => void;
    const woken = new Promise<WakeReason>((resolve) => {
      wake = resolve;
    });
    const onAbort = () => wake("closed");
    signal?.addEventListener("abort", onAbort, { once: true });
    let wakers = this.#waiters.get(key);
    if (wakers === undefined) {
      wakers = new Set();
      this.#waiters.set(key, wakers);
    }
    wakers.add(wake);
    let timer: ReturnType<typeof setTimeout> | undefined;
    return {
      wait: (ms) => {
        timer = setTimeout(() => wake("timeout"), ms);
        return woken;
      },
      cancel: () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        const set = this.#waiters.get(key);
        if (set?.delete(wake) && set.size === 0) this.#waiters.delete(key);
      },
    };
  }

  async #produceOwned(key: string, token: string, produce: () => Promise<StoreEntry>): Promise<StoreEntry> {
    this.#owned.set(key, token);
    const timer = setInterval(() => this.#renew(key, token, timer), Math.floor(this.#deps.leaseMs / 3));
    timer.unref?.();
    this.#renewals.add(timer);
    let failed = true;
    try {
      const entry = await produce();
      failed = false;
      return entry;
    } finally {
      clearInterval(timer);
      this.#renewals.delete(timer);
      if (this.#owned.get(key) === token) this.#owned.delete(key);
      // Sent now, before the next acquire of this key can be: one connection keeps the order.
      this.#release(key, token, failed);
    }
  }

  #renew(key: string, token: string, timer: ReturnType<typeof setInterval>): void {
    const renewed = this.#deps.link.run(() =>
      this.#deps.scripts.renew(this.#deps.keys.lease(key), token, this.#deps.leaseMs),
    );
    renewed?.then((answer) => {
      if (answer !== 0) return;
      // Invalidated, or expired and taken over: our write will not land, so stop renewing.
      clearInterval(timer);
      this.#renewals.delete(timer);
      if (this.#deps.log.debugEnabled()) this.#deps.log.debug({ key }, "fetch lease lost");
    }, noop);
  }

  /**
   * Releases the lease whatever Redis's state. Not through the breaker: when the answer to
   * an acquire was lost, ioredis may replay that acquire after a reconnect, and this
   * release, queued behind it on the same connection, then frees the lease it took.
   */
  #release(key: string, token: string, failed: boolean): void {
    const message = encodeMessage({
      i: this.#deps.instanceId,
      o: "r",
      k: key,
      ...(failed ? { f: 1 as const } : {}),
    });
    try {
      this.#deps.scripts
        .release(this.#deps.keys.lease(key), token, this.#deps.keys.channel, message)
        .catch(noop);
    } catch {
      // A client that refuses commands outright holds no lease of ours either.
    }
  }

  /** Gives up a lease whose acquire got no answer; it may have been taken all the same. */
  #abandon(key: string, token: string): void {
    this.#release(key, token, true);
  }
}

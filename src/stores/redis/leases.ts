import type { Log } from "../../log.js";
import type { FetchPurpose, StoreEntry } from "../store.js";
import { isReplyError } from "./client.js";
import type { KeySpace } from "./keys.js";
import { CommandNotSentError, type RedisLink } from "./link.js";
import { encodeMessage } from "./messages.js";
import type { AcquireReply, Fence, Scripts } from "./scripts.js";

/** Why a waiting process looks again: the key changed, its lease was released (after a failed fetch), or time is up. */
export type WakeReason = "changed" | "released" | "failed" | "timeout" | "resync" | "closed";

/** The one entry the lease owner's peers accept: decoded, or undefined if malformed. */
export type DecodeEntry = (key: string, text: string) => StoreEntry | undefined;

/**
 * What a fetch may write to Redis with: the lease it holds, or else the key's fence read
 * before it started. With neither (Redis could not be asked), it writes nothing to Redis.
 */
export interface WritePermit {
  readonly token?: string;
  readonly fence?: Fence;
}

/** Fetches, stores (through the store's `set`, which reads the permit) and resolves with the entry. */
export type Produce = (permit: WritePermit) => Promise<StoreEntry>;

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
  /** How long a fence is good for (see scripts.ts). */
  fenceMs: number;
  /** Redis refused a lease with an error reply (a full memory, say). */
  refused: (key: string, error: unknown) => void;
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
  readonly #waiters = new Map<string, Set<(reason: WakeReason) => void>>();
  readonly #renewals = new Set<ReturnType<typeof setInterval>>();
  #counter = 0;

  constructor(deps: LeaseDeps) {
    this.#deps = deps;
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
    produce: Produce,
    seen: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<StoreEntry | undefined> {
    const token = `${this.#deps.instanceId}.${++this.#counter}`;
    let field: "" | "staleAt" | "expiresAt" =
      seen === undefined ? "" : purpose === "refresh" ? "staleAt" : "expiresAt";
    let exclude = seen ?? "";
    for (;;) {
      signal?.throwIfAborted();
      // Registered before asking Redis, so an announcement that lands in between still wakes it.
      const waiter = purpose === "refresh" ? undefined : this.#register(key, signal);
      try {
        const asked = this.#deps.link.run(() =>
          this.#deps.scripts.acquire({
            entry: this.#deps.keys.entry(key),
            lease: this.#deps.keys.lease(key),
            fence: this.#deps.keys.fence(key),
            token,
            leaseMs: this.#deps.leaseMs,
            now: this.#deps.now(),
            field,
            exclude,
            fenceMs: this.#deps.fenceMs,
          }),
        );
        if (asked === undefined) return await produce({});
        let reply: AcquireReply;
        try {
          reply = await asked;
        } catch (error) {
          // An acquire that was sent may have taken the lease all the same.
          if (!(error instanceof CommandNotSentError)) this.#abandon(key, token);
          if (isReplyError(error)) this.#deps.refused(key, error);
          return await produce({});
        }
        if (reply.kind === "taken") return await this.#produceOwned(key, token, produce);
        if (reply.kind === "usable") {
          const entry = this.#deps.decode(key, reply.entry);
          if (entry !== undefined) return entry;
          // Malformed: take the lease and fetch, whatever is stored.
          field = "";
          exclude = "";
          continue;
        }
        if (purpose === "refresh" || waiter === undefined) return undefined;
        // From now on only an entry written after this look is the owner's.
        field = "expiresAt";
        exclude = reply.nonce;
        const reason = await waiter.wait(this.#waitMs(reply.pttl));
        signal?.throwIfAborted();
        // The holder's fetch failed: fetch now, without the lease, fenced as of the look above.
        if (reason === "failed" || reason === "closed") return await produce({ fence: reply.fence });
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

  async #produceOwned(key: string, token: string, produce: Produce): Promise<StoreEntry> {
    const timer = setInterval(() => this.#renew(key, token, timer), Math.floor(this.#deps.leaseMs / 3));
    timer.unref?.();
    this.#renewals.add(timer);
    let failed = true;
    try {
      const entry = await produce({ token });
      failed = false;
      return entry;
    } finally {
      clearInterval(timer);
      this.#renewals.delete(timer);
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

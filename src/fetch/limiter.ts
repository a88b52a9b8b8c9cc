import { IsrClosedError, IsrOverloadedError, withoutStack } from "../errors.js";

/** A fetch slot. Releasing it twice is harmless, so whoever ends the fetch may release it. */
export interface Slot {
  release(): void;
}

const UNBOUNDED: Slot = Object.freeze({ release() {} });

/**
 * A bound on concurrent origin fetches. Misses queue for a slot (up to `maxQueued`);
 * background refreshes only take a free slot and are skipped otherwise. A slot is given back
 * when the fetch's own promise settles, not when a deadline gives up on it: the bound holds
 * on the origin, even for fetches that ignore their signal.
 */
export class FetchLimiter {
  readonly #max: number;
  readonly #maxQueued: number;
  readonly #queue: { grant: (slot: Slot) => void; refuse: (error: unknown) => void }[] = [];
  #running = 0;

  constructor(max: number, maxQueued: number) {
    this.#max = max;
    this.#maxQueued = maxQueued;
  }

  get running(): number {
    return this.#running;
  }

  get queued(): number {
    return this.#queue.length;
  }

  tryAcquire(): Slot | undefined {
    if (this.#max === Number.POSITIVE_INFINITY) return UNBOUNDED;
    if (this.#running >= this.#max) return undefined;
    this.#running += 1;
    return this.#slot();
  }

  /** A slot now, or a promise of one in turn; rejects with `IsrOverloadedError` when the queue is full. */
  acquire(): Slot | Promise<Slot> {
    const slot = this.tryAcquire();
    if (slot !== undefined) return slot;
    if (this.#queue.length >= this.#maxQueued) {
      return Promise.reject(withoutStack(() => new IsrOverloadedError(this.#max, this.#maxQueued)));
    }
    return new Promise<Slot>((grant, refuse) => {
      this.#queue.push({ grant, refuse });
    });
  }

  /** Refuses everything still queued (on close). */
  refuseQueued(): void {
    for (const waiter of this.#queue.splice(0)) waiter.refuse(new IsrClosedError());
  }

  #slot(): Slot {
    let held = true;
    return {
      release: () => {
        if (!held) return;
        held = false;
        const next = this.#queue.shift();
        // The running count passes straight to the next in line.
        if (next === undefined) this.#running -= 1;
        else next.grant(this.#slot());
      },
    };
  }
}

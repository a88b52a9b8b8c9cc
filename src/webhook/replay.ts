/**
 * The signed messages accepted within the timestamp tolerance, so that one captured
 * delivery cannot be sent again while its timestamp still passes. A message is remembered
 * until its timestamp falls out of the tolerance window; after that the timestamp check
 * refuses it anyway. Only authenticated messages get here, so only the secret's holders
 * can fill it; at `capacity` nothing more is accepted until some expire (refusing beats
 * forgetting, which would reopen the replay).
 */
export class ReplayGuard {
  /** Message id → when it may be forgotten (ms, on the webhook's clock). */
  readonly #seen = new Map<string, number>();
  readonly #capacity: number;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#seen.size;
  }

  /** "new" (now remembered), "replay" (seen before, still in its window) or "full". */
  admit(id: string, forgetAt: number, now: number): "new" | "replay" | "full" {
    const known = this.#seen.get(id);
    if (known !== undefined && known > now) return "replay";
    if (known === undefined && this.#seen.size >= this.#capacity) {
      this.#sweep(now);
      if (this.#seen.size >= this.#capacity) return "full";
    }
    this.#seen.set(id, forgetAt);
    return "new";
  }

  /** Lets a message be sent again (its revalidation failed: the sender's retry must get through). */
  forget(id: string): void {
    this.#seen.delete(id);
  }

  #sweep(now: number): void {
    for (const [id, forgetAt] of this.#seen) if (forgetAt <= now) this.#seen.delete(id);
  }
}

/**
 * A deliberately simple reference model of the engine's contract, one key at a time:
 * fresh while age < ttl, stale (one refresh) while age < ttl + stale, then, inside the
 * stale-if-error window, fetch with the old value as fallback, else fetch. One fetch per key
 * at a time; invalidate drops the entry and detaches the fetch in flight (it no longer stores).
 */
export interface ModelConfig {
  ttlMs: number;
  staleTtlMs: number;
  staleIfErrorMs: number;
}

export type Outcome =
  | { kind: "value"; value: number; state: "fresh" | "stale" | "miss"; ageMs: number; error?: string }
  | { kind: "error"; error: string }
  | { kind: "revalidated"; value: number }
  | { kind: "pending" };

interface Entry {
  value: number;
  storedAt: number;
}

interface ModelFetch {
  id: number;
  key: number;
  superseded: boolean;
  /** Requests waiting on this fetch, with the fallback entry each may use. */
  waiters: { request: number; fallback: Entry | undefined; revalidate: boolean }[];
}

export class ReferenceModel {
  readonly outcomes = new Map<number, Outcome>();
  readonly pending: ModelFetch[] = [];
  fetches = 0;
  now = 0;
  readonly #entries = new Map<number, Entry>();
  readonly #inflight = new Map<number, ModelFetch>();
  readonly #config: ModelConfig;

  constructor(config: ModelConfig, start: number) {
    this.#config = config;
    this.now = start;
  }

  get(request: number, key: number): void {
    const { ttlMs, staleTtlMs, staleIfErrorMs } = this.#config;
    const entry = this.#entries.get(key);
    if (entry !== undefined) {
      const age = this.now - entry.storedAt;
      if (age < ttlMs) {
        this.outcomes.set(request, { kind: "value", value: entry.value, state: "fresh", ageMs: age });
        return;
      }
      if (age < ttlMs + staleTtlMs) {
        this.outcomes.set(request, { kind: "value", value: entry.value, state: "stale", ageMs: age });
        if (!this.#inflight.has(key)) this.#start(key);
        return;
      }
      const fallback = staleIfErrorMs > 0 && age < ttlMs + staleTtlMs + staleIfErrorMs ? entry : undefined;
      this.#wait(request, key, fallback, false);
      return;
    }
    this.#wait(request, key, undefined, false);
  }

  revalidate(request: number, key: number): void {
    this.#wait(request, key, undefined, true);
  }

  invalidate(key: number): void {
    this.#entries.delete(key);
    const flight = this.#inflight.get(key);
    if (flight !== undefined) {
      flight.superseded = true;
      this.#inflight.delete(key);
    }
  }

  advance(ms: number): void {
    this.now += ms;
  }

  resolve(index: number, value: number): void {
    const flight = this.pending.splice(index, 1)[0];
    if (flight === undefined) return;
    if (this.#inflight.get(flight.key) === flight) this.#inflight.delete(flight.key);
    if (!flight.superseded) this.#entries.set(flight.key, { value, storedAt: this.now });
    for (const waiter of flight.waiters) {
      this.outcomes.set(
        waiter.request,
        waiter.revalidate
          ? { kind: "revalidated", value }
          : { kind: "value", value, state: "miss", ageMs: 0 },
      );
    }
  }

  reject(index: number, error: string): void {
    const flight = this.pending.splice(index, 1)[0];
    if (flight === undefined) return;
    if (this.#inflight.get(flight.key) === flight) this.#inflight.delete(flight.key);
    for (const waiter of flight.waiters) {
      const fallback = waiter.fallback;
      this.outcomes.set(
        waiter.request,
        fallback === undefined
          ? { kind: "error", error }
          : {
              kind: "value",
              value: fallback.value,
              state: "stale",
              ageMs: this.now - fallback.storedAt,
              error,
            },
      );
    }
  }

  #wait(request: number, key: number, fallback: Entry | undefined, revalidate: boolean): void {
    const flight = this.#inflight.get(key) ?? this.#start(key);
    flight.waiters.push({ request, fallback, revalidate });
    this.outcomes.set(request, { kind: "pending" });
  }

  #start(key: number): ModelFetch {
    this.fetches += 1;
    const flight: ModelFetch = { id: this.fetches, key, superseded: false, waiters: [] };
    this.#inflight.set(key, flight);
    this.pending.push(flight);
    return flight;
  }
}

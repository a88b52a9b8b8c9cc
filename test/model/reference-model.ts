/**
 * A deliberately simple reference model of the engine's contract, one key at a time, for
 * several engines (namespaces) sharing one store and one wall clock:
 * - fresh while age < ttl, stale (one refresh) while age < ttl + stale, then, inside the
 *   stale-if-error window, fetch with the old value to serve if it fails, else fetch;
 * - one fetch per key at a time; invalidate drops the entry and detaches the fetch in flight;
 * - tags: each invalidation takes the engine's next sequence number; an entry remembers the
 *   number known when its fetch was called, and a later invalidation of one of its tags makes
 *   it stale (soft) or gone (hard); a fetch overtaken by one is served but not stored;
 * - the wall clock may step back or jump ahead: times are absolute, ages never negative;
 * - close: no new fetch (a fetch requested in the same tick is not called), a value arriving
 *   later is served but not stored; cached values are still served, without refresh, except
 *   tagged ones (a closed engine no longer hears tag invalidations, so it stops trusting them).
 * Engines never see each other's entries: each has its own maps.
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

export const CLOSED = "isr-plug: the engine is closed";

/** The tags of a key's values: keys 0 and 1 carry one tag each, others none. */
export function tagsOf(key: number): string[] {
  return key < 2 ? [`t${key}`] : [];
}

interface Entry {
  value: number;
  storedAt: number;
  stamp: number;
}

interface ModelFetch {
  engine: number;
  key: number;
  stamp: number;
  superseded: boolean;
  /** Requests waiting on this fetch, with the stale-if-error entry each may use. */
  waiters: Waiter[];
}

/** A request waiting on a fetch: `since` is the newest invalidation number it could know of. */
interface Waiter {
  request: number;
  staleIfError: Entry | undefined;
  revalidate: boolean;
  since: number;
}

interface EngineModel {
  entries: Map<number, Entry>;
  inflight: Map<number, ModelFetch>;
  /** Per tag, the sequence numbers of its latest soft and hard invalidations. */
  tags: Map<string, { soft: number; hard: number }>;
  seq: number;
  closed: boolean;
}

enum Verdict {
  None,
  Soft,
  Hard,
}

export class ReferenceModel {
  readonly outcomes = new Map<number, Outcome>();
  readonly pending: ModelFetch[] = [];
  fetches = 0;
  now: number;
  readonly #engines: EngineModel[];
  readonly #config: ModelConfig;

  constructor(config: ModelConfig, start: number, engines = 1) {
    this.#config = config;
    this.now = start;
    this.#engines = Array.from({ length: engines }, () => ({
      entries: new Map(),
      inflight: new Map(),
      tags: new Map(),
      seq: 0,
      closed: false,
    }));
  }

  get(request: number, engine: number, key: number, closing = false): void {
    const { ttlMs, staleTtlMs, staleIfErrorMs } = this.#config;
    const space = this.#space(engine);
    const entry = space.entries.get(key);
    if (entry !== undefined) {
      const verdict = this.#verdict(space, key, entry);
      const since = this.now - entry.storedAt;
      const ageMs = Math.max(0, since);
      if (verdict !== Verdict.Hard) {
        if (since < ttlMs && verdict === Verdict.None) {
          this.outcomes.set(request, { kind: "value", value: entry.value, state: "fresh", ageMs });
          return;
        }
        if (since < ttlMs + staleTtlMs) {
          this.outcomes.set(request, { kind: "value", value: entry.value, state: "stale", ageMs });
          if (!space.closed && !space.inflight.has(key)) this.#start(engine, key, closing);
          return;
        }
        const staleIfError =
          staleIfErrorMs > 0 && since < ttlMs + staleTtlMs + staleIfErrorMs ? entry : undefined;
        this.#wait(request, engine, key, staleIfError, false, closing);
        return;
      }
    }
    this.#wait(request, engine, key, undefined, false, closing);
  }

  revalidate(request: number, engine: number, key: number): void {
    if (this.#space(engine).closed) {
      this.outcomes.set(request, { kind: "error", error: CLOSED });
      return;
    }
    this.#wait(request, engine, key, undefined, true, false);
  }

  invalidate(engine: number, key: number): void {
    const space = this.#space(engine);
    space.entries.delete(key);
    const flight = space.inflight.get(key);
    if (flight !== undefined) {
      flight.superseded = true;
      space.inflight.delete(key);
    }
  }

  invalidateTag(engine: number, tag: string, mode: "soft" | "hard"): void {
    const space = this.#space(engine);
    space.seq += 1;
    const record = space.tags.get(tag) ?? { soft: 0, hard: 0 };
    record[mode] = space.seq;
    space.tags.set(tag, record);
  }

  close(engine: number): void {
    const space = this.#space(engine);
    space.closed = true;
    // Deaf from now on, it counts itself past every invalidation (see #verdict).
    space.seq = Number.POSITIVE_INFINITY;
  }

  /** The wall clock moves by `ms`, forward or back. */
  advance(ms: number): void {
    this.now += ms;
  }

  resolve(index: number, value: number): void {
    const flight = this.pending.splice(index, 1)[0];
    if (flight === undefined) return;
    const space = this.#space(flight.engine);
    if (space.inflight.get(flight.key) === flight) space.inflight.delete(flight.key);
    const entry: Entry = { value, storedAt: this.now, stamp: flight.stamp };
    if (!flight.superseded && !space.closed && this.#verdict(space, flight.key, entry) === Verdict.None) {
      space.entries.set(flight.key, entry);
    }
    for (const waiter of flight.waiters) {
      // A value read before a hard invalidation the request came after is not its answer:
      // it fetches again (joining the new fetch the first such request starts).
      if (waiter.since > flight.stamp && this.#verdict(space, flight.key, entry) === Verdict.Hard) {
        this.#enqueue(waiter, flight.engine, flight.key, false);
        continue;
      }
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
    const space = this.#space(flight.engine);
    if (space.inflight.get(flight.key) === flight) space.inflight.delete(flight.key);
    this.#fail(flight, error);
  }

  #fail(flight: ModelFetch, error: string): void {
    for (const waiter of flight.waiters) {
      const staleIfError = waiter.staleIfError;
      this.outcomes.set(
        waiter.request,
        staleIfError === undefined
          ? { kind: "error", error }
          : {
              kind: "value",
              value: staleIfError.value,
              state: "stale",
              ageMs: Math.max(0, this.now - staleIfError.storedAt),
              error,
            },
      );
    }
  }

  #verdict(space: EngineModel, key: number, entry: Entry): Verdict {
    const tags = tagsOf(key);
    // A closed engine no longer hears invalidations: it stops trusting tagged values.
    if (space.closed && tags.length > 0) return Verdict.Hard;
    let verdict = Verdict.None;
    for (const tag of tags) {
      const record = space.tags.get(tag);
      if (record === undefined) continue;
      if (entry.stamp < record.hard) return Verdict.Hard;
      if (entry.stamp < record.soft) verdict = Verdict.Soft;
    }
    return verdict;
  }

  #wait(
    request: number,
    engine: number,
    key: number,
    staleIfError: Entry | undefined,
    revalidate: boolean,
    closing: boolean,
  ): void {
    const space = this.#space(engine);
    const joined = space.inflight.get(key);
    if (joined !== undefined) {
      joined.waiters.push({ request, staleIfError, revalidate, since: space.seq });
      this.outcomes.set(request, { kind: "pending" });
      return;
    }
    if (space.closed) {
      this.#refuseClosed(request, staleIfError);
      return;
    }
    const flight = this.#start(engine, key, closing);
    if (flight === undefined) {
      this.#refuseClosed(request, staleIfError);
      return;
    }
    flight.waiters.push({ request, staleIfError, revalidate, since: space.seq });
    this.outcomes.set(request, { kind: "pending" });
  }

  /** A waiting request waits again (a new fetch, or one already started for its key). */
  #enqueue(waiter: Waiter, engine: number, key: number, closing: boolean): void {
    this.#wait(waiter.request, engine, key, waiter.staleIfError, waiter.revalidate, closing);
  }

  #refuseClosed(request: number, staleIfError: Entry | undefined): void {
    this.outcomes.set(
      request,
      staleIfError === undefined
        ? { kind: "error", error: CLOSED }
        : {
            kind: "value",
            value: staleIfError.value,
            state: "stale",
            ageMs: Math.max(0, this.now - staleIfError.storedAt),
            error: CLOSED,
          },
    );
  }

  /** Starts a fetch; a fetch requested in the tick that closes the engine is never called. */
  #start(engine: number, key: number, closing: boolean): ModelFetch | undefined {
    if (closing) return undefined;
    const space = this.#space(engine);
    this.fetches += 1;
    const flight: ModelFetch = { engine, key, stamp: space.seq, superseded: false, waiters: [] };
    space.inflight.set(key, flight);
    this.pending.push(flight);
    return flight;
  }

  #space(engine: number): EngineModel {
    return this.#engines[engine] as EngineModel;
  }
}

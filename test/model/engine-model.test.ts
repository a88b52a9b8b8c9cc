import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type CacheKey, createIsr, createMemoryStore, type Isr } from "../../src/index.js";
import { type Deferred, deferred, fakeClock, flush } from "../helpers.js";
import { CLOSED, type ModelConfig, type Outcome, ReferenceModel, tagsOf } from "./reference-model.js";

type Op =
  | { t: "get"; engine: number; key: number }
  | { t: "getThenClose"; engine: number; key: number }
  | { t: "revalidate"; engine: number; key: number }
  | { t: "invalidate"; engine: number; key: number }
  | { t: "invalidateTag"; engine: number; tag: number; mode: "soft" | "hard"; burst: number }
  | { t: "advance"; ms: number }
  | { t: "step"; ms: number }
  | { t: "resolve"; which: number; value: number }
  | { t: "reject"; which: number }
  | { t: "close"; engine: number }
  | { t: "badKey"; engine: number; which: number }
  | { t: "joinAfterTag"; which: number; mode: "soft" | "hard" };

const KEYS = 3;
const ENGINES = 2;
const RUNS = Number(process.env.MODEL_RUNS ?? 2_000);
const BAD_KEYS: unknown[] = [undefined, null, {}, Number.NaN, 7, [["nested"]], [Number.NaN], () => "k"];

const configArb = fc.record<ModelConfig>({
  ttlMs: fc.oneof(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 100, max: 400 })),
  staleTtlMs: fc.integer({ min: 0, max: 50 }),
  staleIfErrorMs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 50 })),
});

const engine = fc.nat(ENGINES - 1);
const key = fc.nat(KEYS - 1);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ t: fc.constant("get" as const), engine, key }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("revalidate" as const), engine, key }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("invalidate" as const), engine, key }) },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant("invalidateTag" as const),
      engine,
      tag: fc.nat(1),
      mode: fc.constantFrom("soft" as const, "hard" as const),
      burst: fc.oneof(fc.constant(1), fc.integer({ min: 2, max: 40 })),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ t: fc.constant("advance" as const), ms: fc.integer({ min: 0, max: 120 }) }),
  },
  // The wall clock steps back (NTP) or jumps ahead.
  {
    weight: 1,
    arbitrary: fc.record({ t: fc.constant("step" as const), ms: fc.integer({ min: -3_000, max: 3_000 }) }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant("resolve" as const),
      which: fc.nat(4),
      value: fc.integer({ min: 0, max: 99 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("reject" as const), which: fc.nat(4) }) },
  {
    weight: 1,
    arbitrary: fc.record({ t: fc.constant("badKey" as const), engine, which: fc.nat(BAD_KEYS.length - 1) }),
  },
  // A fetch in flight, an invalidation of its tag, then a request for its key.
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant("joinAfterTag" as const),
      which: fc.nat(4),
      mode: fc.constantFrom("soft" as const, "hard" as const),
    }),
  },
  // Rare: closing ends most of what a scenario can show.
  { weight: 1, arbitrary: fc.record({ t: fc.constant("getThenClose" as const), engine, key }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("close" as const), engine }) },
);

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

function outcomeOf(
  promise: Promise<{ value: number; state: "fresh" | "stale" | "miss"; ageMs: number; error?: unknown }>,
) {
  return promise.then(
    (r): Outcome =>
      r.error === undefined
        ? { kind: "value", value: r.value, state: r.state, ageMs: r.ageMs }
        : {
            kind: "value",
            value: r.value,
            state: r.state,
            ageMs: r.ageMs,
            error: String((r.error as Error).message),
          },
    (e: unknown): Outcome => ({ kind: "error", error: String((e as Error).message) }),
  );
}

/** Runs one scenario against two engines on one store and the model side by side, comparing after every step. */
async function runScenario(config: ModelConfig, ops: Op[]): Promise<void> {
  const clock = fakeClock(1_000_000);
  const model = new ReferenceModel(config, clock.now(), ENGINES);
  const calls: { engine: number; key: number; gate: Deferred<number> }[] = [];
  let fetchCount = 0;
  const store = createMemoryStore({ now: clock.now });
  const engines: Isr<number, number>[] = Array.from({ length: ENGINES }, (_, e) =>
    createIsr<number, number>({
      fetch: (k) => {
        fetchCount += 1;
        const gate = deferred<number>();
        calls.push({ engine: e, key: k, gate });
        return gate.promise;
      },
      tags: (_value, k) => tagsOf(k),
      ...config,
      store,
      namespace: `ns${e}`,
      closeTimeoutMs: 1,
      logger: quiet,
      now: clock.now,
    }),
  );
  const isrOf = (e: number) => engines[e] as Isr<number, number>;
  const outcomes = new Map<number, Outcome>();
  let request = 0;
  const track = (id: number, promise: Promise<Outcome>) => {
    outcomes.set(id, { kind: "pending" });
    promise.then((outcome) => outcomes.set(id, outcome));
  };

  for (const op of ops) {
    switch (op.t) {
      case "get": {
        const id = ++request;
        model.get(id, op.engine, op.key);
        track(id, outcomeOf(isrOf(op.engine).get(`k${op.key}`, op.key)));
        break;
      }
      case "getThenClose": {
        const id = ++request;
        model.get(id, op.engine, op.key, true);
        model.close(op.engine);
        track(id, outcomeOf(isrOf(op.engine).get(`k${op.key}`, op.key)));
        void isrOf(op.engine).close();
        break;
      }
      case "revalidate": {
        const id = ++request;
        model.revalidate(id, op.engine, op.key);
        track(
          id,
          isrOf(op.engine)
            .revalidate(`k${op.key}`, op.key)
            .then(
              (value): Outcome => ({ kind: "revalidated", value }),
              (e: unknown): Outcome => ({ kind: "error", error: String((e as Error).message) }),
            ),
        );
        break;
      }
      case "invalidate":
        model.invalidate(op.engine, op.key);
        await isrOf(op.engine).invalidate(`k${op.key}`);
        break;
      case "invalidateTag":
        for (let i = 0; i < op.burst; i++) {
          model.invalidateTag(op.engine, `t${op.tag}`, op.mode);
          await isrOf(op.engine).invalidateTag(`t${op.tag}`, { mode: op.mode });
        }
        break;
      case "advance":
      case "step":
        model.advance(op.ms);
        clock.set(clock.now() + op.ms);
        break;
      case "resolve": {
        if (calls.length === 0) break;
        const index = op.which % calls.length;
        const call = calls[index] as (typeof calls)[number];
        // Values carry their engine, so an entry seen through the wrong namespace shows.
        const value = op.value + 1_000 * call.engine;
        model.resolve(index, value);
        calls.splice(index, 1);
        call.gate.resolve(value);
        break;
      }
      case "reject": {
        if (calls.length === 0) break;
        const index = op.which % calls.length;
        const message = `fetch ${index} failed`;
        model.reject(index, message);
        calls.splice(index, 1)[0]?.gate.reject(new Error(message));
        break;
      }
      case "joinAfterTag": {
        const call = calls[op.which % Math.max(1, calls.length)];
        const tag = call === undefined ? undefined : tagsOf(call.key)[0];
        if (call === undefined || tag === undefined) break;
        model.invalidateTag(call.engine, tag, op.mode);
        await isrOf(call.engine).invalidateTag(tag, { mode: op.mode });
        const id = ++request;
        model.get(id, call.engine, call.key);
        track(id, outcomeOf(isrOf(call.engine).get(`k${call.key}`, call.key)));
        break;
      }
      case "close":
        model.close(op.engine);
        void isrOf(op.engine).close();
        break;
      case "badKey": {
        const before = fetchCount;
        await expect(isrOf(op.engine).get(BAD_KEYS[op.which] as CacheKey, 0)).rejects.toBeInstanceOf(
          TypeError,
        );
        expect(fetchCount).toBe(before);
        break;
      }
    }
    await flush();
    expect(calls.map((c) => [c.engine, c.key])).toEqual(model.pending.map((f) => [f.engine, f.key]));
    expect(outcomes).toEqual(model.outcomes);
    expect(fetchCount).toBe(model.fetches);
  }
  // Hanging fetches are left pending; close aborts their signals and must not hang.
  for (const call of calls.splice(0)) call.gate.reject(new Error("hung until close"));
  await Promise.all(engines.map((isr) => isr.close()));
}

describe("engine against a reference model", () => {
  it(`matches the model on ${RUNS} random interleavings: two namespaces on one store, gets, tags (bursts), clock steps, fetch results, invalidations, bad keys and close`, async () => {
    await fc.assert(
      fc.asyncProperty(configArb, fc.array(opArb, { minLength: 1, maxLength: 50 }), (config, ops) =>
        runScenario(config, ops),
      ),
      { numRuns: RUNS },
    );
  }, 180_000);

  it("the closed-engine message the model uses is the engine's", () => {
    expect(CLOSED).toBe("isr-plug: the engine is closed");
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createIsr, createMemoryStore } from "../../src/index.js";
import { type Deferred, deferred, fakeClock, flush } from "../helpers.js";
import { type ModelConfig, type Outcome, ReferenceModel } from "./reference-model.js";

type Op =
  | { t: "get"; key: number }
  | { t: "revalidate"; key: number }
  | { t: "invalidate"; key: number }
  | { t: "advance"; ms: number }
  | { t: "resolve"; which: number; value: number }
  | { t: "reject"; which: number };

const KEYS = 3;
const RUNS = Number(process.env.MODEL_RUNS ?? 1_000);

const configArb = fc.record<ModelConfig>({
  ttlMs: fc.integer({ min: 0, max: 50 }),
  staleTtlMs: fc.integer({ min: 0, max: 50 }),
  staleIfErrorMs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 50 })),
});

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ t: fc.constant("get" as const), key: fc.nat(KEYS - 1) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("revalidate" as const), key: fc.nat(KEYS - 1) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("invalidate" as const), key: fc.nat(KEYS - 1) }) },
  {
    weight: 3,
    arbitrary: fc.record({ t: fc.constant("advance" as const), ms: fc.integer({ min: 0, max: 120 }) }),
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
);

/** Runs one scenario against the engine and the model side by side, comparing after every step. */
async function runScenario(config: ModelConfig, ops: Op[]): Promise<void> {
  const clock = fakeClock(1_000);
  const model = new ReferenceModel(config, clock.now());
  const calls: { key: number; gate: Deferred<number> }[] = [];
  let fetchCount = 0;
  const isr = createIsr<number, number>({
    fetch: (key) => {
      fetchCount += 1;
      const gate = deferred<number>();
      calls.push({ key, gate });
      return gate.promise;
    },
    ...config,
    store: createMemoryStore({ now: clock.now }),
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    now: clock.now,
  });
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
        model.get(id, op.key);
        track(
          id,
          isr.get(`k${op.key}`, op.key).then(
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
          ),
        );
        break;
      }
      case "revalidate": {
        const id = ++request;
        model.revalidate(id, op.key);
        track(
          id,
          isr.revalidate(`k${op.key}`, op.key).then(
            (value): Outcome => ({ kind: "revalidated", value }),
            (e: unknown): Outcome => ({ kind: "error", error: String((e as Error).message) }),
          ),
        );
        break;
      }
      case "invalidate":
        model.invalidate(op.key);
        await isr.invalidate(`k${op.key}`);
        break;
      case "advance":
        model.advance(op.ms);
        clock.advance(op.ms);
        break;
      case "resolve": {
        if (calls.length === 0) break;
        const index = op.which % calls.length;
        model.resolve(index, op.value);
        calls.splice(index, 1)[0]?.gate.resolve(op.value);
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
    }
    await flush();
    expect(calls.map((c) => c.key)).toEqual(model.pending.map((f) => f.key));
    expect(outcomes).toEqual(model.outcomes);
    expect(fetchCount).toBe(model.fetches);
  }
  // Hanging fetches are left pending; close aborts their signals and must not hang.
  for (const call of calls.splice(0)) call.gate.reject(new Error("hung until close"));
  await isr.close();
}

describe("engine against a reference model", () => {
  it(`matches the model on ${RUNS} random interleavings of gets, clock moves, fetch results and invalidations`, async () => {
    await fc.assert(
      fc.asyncProperty(configArb, fc.array(opArb, { minLength: 1, maxLength: 40 }), (config, ops) =>
        runScenario(config, ops),
      ),
      { numRuns: RUNS },
    );
  }, 120_000);
});

import { expect, it } from "vitest";
import { runFleetModel } from "./fleet-model.js";
import { describeRedis } from "./redis-server.js";

const seed = Number(process.env.FLEET_MODEL_SEED ?? Math.floor(Math.random() * 2 ** 31));

/**
 * A short run of the fleet model check (fleet-model.ts): 3 processes, random gets,
 * invalidations, connection and Redis faults and clock skews. `npm run soak` runs a long one.
 * A failure names its seed: FLEET_MODEL_SEED=<seed> replays the same run.
 */
describeRedis("fleet model check (3 processes)", () => {
  it(`no process serves a value older than an invalidation it had to hear of (seed ${seed})`, async () => {
    const report = await runFleetModel({ processes: 3, steps: 140, seed });
    expect(report.violations, `seed ${seed}`).toEqual([]);
    expect(report.failed).toBe(0);
    // The run exercised what it claims to.
    expect(report.checked).toBeGreaterThan(0);
    expect(report.invalidations.done).toBeGreaterThan(0);
    expect(Object.values(report.faults).reduce((sum, n) => sum + n, 0)).toBeGreaterThan(0);
    expect(report.states.fresh).toBeGreaterThan(0);
  }, 120_000);
});

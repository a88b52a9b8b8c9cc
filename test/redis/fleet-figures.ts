/**
 * Measures the fleet figures the tests do not assert (durations): run with
 * `npx tsx test/redis/fleet-figures.ts`. Four forked processes on a throwaway redis-server,
 * store options at their defaults (50 ms command timeout, 5 s lease).
 */
import { type FleetWorker, fleetFetches, spawnFleet } from "./fleet-harness.js";
import type { BurstResult, LoadStats } from "./fleet-protocol.js";
import { sleep, startRedis } from "./redis-server.js";

const PROCESSES = 4;
const PER_PROCESS = 50;
const ROUNDS = 5;
const TRIALS = 200;

const ok = (results: BurstResult[][]) => results.flat().filter((result) => result.ok);

function summary(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  const ms = (value: number) => `${value.toFixed(2)} ms`;
  return `min ${ms(at(0))}, median ${ms(at(0.5))}, p95 ${ms(at(0.95))}, max ${ms(at(1))} (n=${samples.length})`;
}

async function coldAndStale(fleet: FleetWorker[]) {
  const cold: number[] = [];
  const stale: number[] = [];
  const staleServed: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const key = `figures-${round}`;
    const coldResults = ok(await Promise.all(fleet.map((worker) => worker.burst(key, PER_PROCESS))));
    const coldFetches = await fleetFetches(fleet, key);
    cold.push(coldFetches);
    await Promise.all(fleet.map((worker) => worker.mode(key, "gate")));
    await Promise.all(fleet.map((worker) => worker.advance(10_000)));
    const held = ok(await Promise.all(fleet.map((worker) => worker.burst(key, PER_PROCESS))));
    staleServed.push(
      `${held.filter((result) => result.ok && result.state === "stale").length}/${held.length}`,
    );
    await sleep(200);
    await Promise.all(fleet.map((worker) => worker.release(key)));
    await sleep(200);
    stale.push((await fleetFetches(fleet, key)) - coldFetches);
    if (coldResults.length !== PROCESSES * PER_PROCESS) throw new Error("a cold request failed");
  }
  return { cold, stale, staleServed };
}

async function invalidation(fleet: FleetWorker[]) {
  const [a, b] = fleet as [FleetWorker, FleetWorker];
  const reach: number[] = [];
  const ack: number[] = [];
  let misses = 0;
  for (let i = 0; i < TRIALS; i++) {
    const key = `inv-${i}`;
    await a.get(key);
    await b.get(key);
    await b.get(key);
    const { startedAt, resolvedAt } = await a.invalidate(key);
    if ((await b.get(key)).state === "miss") misses += 1;
    const drop = (await b.stats()).drops.find(
      (entry) => entry.key.endsWith(`s${key}`) && entry.change === "delete",
    );
    if (drop !== undefined) reach.push(drop.at - startedAt);
    ack.push(resolvedAt - startedAt);
  }
  return { reach, ack, misses };
}

async function redisKilled(fleet: FleetWorker[], server: Awaited<ReturnType<typeof startRedis>>) {
  const keys = Array.from({ length: 20 }, (_, i) => `load-${i}`);
  const fetchesOfLoad = async () => {
    const all = await Promise.all(keys.map((key) => fleetFetches(fleet, key)));
    return all.reduce((sum, n) => sum + n, 0);
  };
  const loads = fleet.map((worker) => worker.load(keys, 4, 2_000, "short"));
  await sleep(1_000);
  const beforeKill = await fetchesOfLoad();
  const killedAt = performance.now();
  await server.kill();
  await sleep(2_000);
  const duringOutage = (await fetchesOfLoad()) - beforeKill;
  await server.start();
  const restartedAt = performance.now();
  let recoveredMs = Number.NaN;
  for (let i = 0; i < 200; i++) {
    const states = await Promise.all(fleet.map((worker) => worker.stats()));
    if (states.every((state) => state.available)) {
      recoveredMs = performance.now() - restartedAt;
      break;
    }
    await sleep(10);
  }
  await sleep(1_500);
  await Promise.all(fleet.map((worker) => worker.stopLoad()));
  const stats: LoadStats[] = await Promise.all(loads);
  const logs = await Promise.all(fleet.map(async (worker) => (await worker.stats()).logs));
  return { stats, recoveredMs, downMs: restartedAt - killedAt, logs, beforeKill, duringOutage };
}

async function ownerKilled(fleet: FleetWorker[]) {
  const [owner, ...others] = fleet as [FleetWorker, ...FleetWorker[]];
  await owner.mode("crash", "hang");
  const started = owner.next((event) => event.event === "fetch-started");
  owner.burst("crash", 5).catch(() => {});
  await started;
  const bursts = Promise.all(others.map((worker) => worker.burst("crash", PER_PROCESS)));
  await sleep(100);
  const killedAt = performance.now();
  await owner.kill();
  const results = ok(await bursts);
  return {
    tookOverMs: performance.now() - killedAt,
    served: results.length,
    fetches: await fleetFetches(others, "crash"),
  };
}

async function main() {
  const server = await startRedis();
  const init = {
    port: server.port,
    prefix: "figures:",
    fetchDelayMs: 20,
    engines: { main: { ttlMs: 10_000, staleTtlMs: 600_000 }, short: { ttlMs: 150, staleTtlMs: 1_000 } },
  };
  const fleet = await spawnFleet(PROCESSES, init);
  try {
    const { cold, stale, staleServed } = await coldAndStale(fleet);
    console.log(
      `cold key, ${PROCESSES} processes × ${PER_PROCESS} concurrent requests: fetches per round ${cold.join(", ")}`,
    );
    console.log(
      `stale key, same load: refreshes per round ${stale.join(", ")}; served stale while the refresh was held: ${staleServed.join(", ")}`,
    );
    const { reach, ack, misses } = await invalidation(fleet);
    console.log(`invalidate on one process → local copy dropped on another: ${summary(reach)}`);
    console.log(`invalidate call resolved on the invalidating process: ${summary(ack)}`);
    console.log(
      `a get sent to the other process (over IPC, through the parent) as soon as invalidate resolved: miss ${misses}/${TRIALS}`,
    );
    const killed = await redisKilled(fleet, server);
    const total = killed.stats.reduce((sum, s) => sum + s.total, 0);
    const failed = killed.stats.reduce((sum, s) => sum + s.failed, 0);
    const hung = killed.stats.reduce((sum, s) => sum + s.hung, 0);
    const maxMs = Math.max(...killed.stats.map((s) => s.maxMs));
    console.log(
      `redis SIGKILLed under load for ${killed.downMs.toFixed(0)} ms, then restarted: ${total} requests, ${failed} failed, ${hung} over 2 s, slowest ${maxMs.toFixed(1)} ms; every store available again ${killed.recoveredMs.toFixed(0)} ms after the restart`,
    );
    console.log(
      `  origin fetches of the 20 load keys (ttl 150 ms): ${killed.beforeKill} in the 1 s before the kill, ${killed.duringOutage} during the 2 s outage (each process fetching for itself)`,
    );
    for (const [i, s] of killed.stats.entries()) {
      console.log(
        `  w${i + 1}: ${s.total} requests (${s.states.fresh} fresh, ${s.states.stale} stale, ${s.states.miss} miss)`,
      );
    }
    for (const [i, logs] of killed.logs.entries()) {
      const lines = Object.entries(logs).filter(([line]) => !line.startsWith("debug"));
      console.log(`  w${i + 1} logged: ${lines.map(([line, n]) => `${n}× ${line}`).join(" | ")}`);
    }
    const crash = await ownerKilled(fleet);
    console.log(
      `lease owner SIGKILLed mid-fetch (lease 5 s): ${crash.served} requests on 3 other processes served ${crash.tookOverMs.toFixed(0)} ms after the kill, with ${crash.fetches} fetch`,
    );
  } finally {
    await Promise.all(fleet.map((worker) => worker.close()));
    await server.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);

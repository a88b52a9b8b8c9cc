/**
 * The fleet model check: N real processes (child_process.fork), each on its own fault proxy
 * in front of one redis-server, fetching versioned data from an HTTP origin. A seeded random
 * run interleaves gets, key and tag invalidations, connection faults, Redis faults and clock
 * skews, and checks every answer against the invalidations that completed before it:
 *
 * - fresh: never older than an invalidation (soft or hard) completed more than the
 *   heard-within bound (4 × heartbeatMs) before the request, whatever the faults;
 * - any state: never older than a hard invalidation completed more than the bound before,
 *   on a process that had no fault from then on (a process cut off from Redis may serve its
 *   copies as stale, never as fresh).
 *
 * A short run is part of `npm test` (fleet-model.test.ts); `npm run soak` runs a long one.
 */
import { FaultProxy } from "./fault-proxy.js";
import { pauseRedis, restartEmpty } from "./faults.js";
import { type FleetWorker, spawnFleet } from "./fleet-harness.js";
import type { FleetValue } from "./fleet-protocol.js";
import { VersionedOrigin } from "./origin.js";
import { type RedisServer, sleep, startRedis } from "./redis-server.js";

export interface FleetModelOptions {
  processes: number;
  steps: number;
  seed: number;
  /** The stores' heartbeat; the heard-within bound is 4 of them. @default 100 */
  heartbeatMs?: number;
  /** Keys k0..k(n-1). @default 6 */
  keys?: number;
  /** Tag groups: key ki carries tag g(i % groups). @default 3 */
  groups?: number;
  log?: (line: string) => void;
}

export interface FleetModelReport {
  seed: number;
  steps: number;
  requests: number;
  failed: number;
  states: Record<string, number>;
  invalidations: { done: number; refused: number };
  faults: Record<string, number>;
  /** Answers that came after an invalidation that had to be heard by then (the rules applied). */
  checked: number;
  violations: string[];
  /** What the stores counted, per process. */
  writes: { stored: number; refused: number; failed: number; localOnly: number };
}

interface Invalidation {
  /** The key's version after the change, for every key it covers. */
  versions: Map<string, number>;
  mode: "soft" | "hard";
  doneAt: number;
  label: string;
}

interface FaultWindow {
  process: number | "all";
  from: number;
  to: number;
}

const FAULTS = [
  "pubsub-blackhole",
  "pubsub-reset",
  "pubsub-stall",
  "command-reset",
  "command-stall",
  "command-blackhole",
  "all-reset",
  "cut-off",
  "redis-pause",
  "redis-restart-empty",
] as const;
type Fault = (typeof FAULTS)[number];

const SKEWS = [0, 0, 2_000, -2_000, 3_600_000];
/** The workers' ioredis socketTimeout: how a blackholed command connection is found and made again. */
const SOCKET_TIMEOUT_MS = 1_500;

/** mulberry32: a small seeded generator, so a failing run can be replayed from its seed. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export async function runFleetModel(options: FleetModelOptions): Promise<FleetModelReport> {
  const heartbeatMs = options.heartbeatMs ?? 100;
  const boundMs = 4 * heartbeatMs;
  // After a fault heals: reconnection, resubscription, resync, a breaker probe.
  const settleMs = 2 * boundMs + SOCKET_TIMEOUT_MS + 3_000;
  const keyCount = options.keys ?? 6;
  const groups = options.groups ?? 3;
  const random = generator(options.seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const log = options.log ?? (() => {});
  const keys = Array.from({ length: keyCount }, (_, i) => `k${i}`);
  const report: FleetModelReport = {
    seed: options.seed,
    steps: options.steps,
    requests: 0,
    failed: 0,
    states: { fresh: 0, stale: 0, miss: 0 },
    invalidations: { done: 0, refused: 0 },
    faults: {},
    checked: 0,
    violations: [],
    writes: { stored: 0, refused: 0, failed: 0, localOnly: 0 },
  };
  const invalidations: Invalidation[] = [];
  const windows: FaultWindow[] = [];
  const faulty = new Set<number | "all">();
  const heals = new Set<Promise<void>>();

  let server: RedisServer | undefined;
  let origin: VersionedOrigin | undefined;
  const proxies: FaultProxy[] = [];
  let fleet: FleetWorker[] = [];
  try {
    server = await startRedis();
    const redis = server;
    origin = await VersionedOrigin.start();
    const data = origin;
    for (let i = 0; i < options.processes; i++) proxies.push(await FaultProxy.start(redis.port));
    fleet = await Promise.all(
      proxies.map((proxy, i) =>
        spawnFleet(
          1,
          {
            port: proxy.port,
            prefix: "model:",
            originUrl: data.url,
            skewMs: pick(SKEWS),
            socketTimeoutMs: SOCKET_TIMEOUT_MS,
            fetchDelayMs: 30,
            store: { heartbeatMs, commandTimeoutMs: 100, leaseMs: 1_000, breakerCooldownMs: 200 },
            engines: { main: { ttlMs: 60_000, staleTtlMs: 600_000, timeoutMs: 5_000, tagGroups: groups } },
          },
          i + 1,
        ).then(([worker]) => worker as FleetWorker),
      ),
    );
    const now = () => performance.now();

    const faulted = (process: number, from: number, to: number) =>
      windows.some(
        (w) => (w.process === process || w.process === "all") && w.from <= to && w.to + settleMs >= from,
      );

    const check = (
      process: number,
      key: string,
      startedAt: number,
      endedAt: number,
      state: string,
      value: FleetValue,
    ) => {
      const served = value.v ?? 0;
      for (const invalidation of invalidations) {
        const version = invalidation.versions.get(key);
        if (version === undefined || invalidation.doneAt + boundMs >= startedAt) continue;
        report.checked += 1;
        if (served >= version) continue;
        const breaks =
          state === "fresh"
            ? "served fresh"
            : invalidation.mode === "hard" && !faulted(process, invalidation.doneAt - boundMs, endedAt)
              ? `served ${state} on a process without faults`
              : undefined;
        if (breaks !== undefined) {
          report.violations.push(
            `w${process + 1} ${breaks} ${key} v${served} ${((startedAt - invalidation.doneAt) / 1_000).toFixed(2)} s after ${invalidation.label} (v${version})`,
          );
        }
      }
    };

    const get = async (process: number, key: string) => {
      const worker = fleet[process] as FleetWorker;
      const startedAt = now();
      report.requests += 1;
      try {
        const result = await worker.get(key);
        const endedAt = now();
        report.states[result.state] = (report.states[result.state] ?? 0) + 1;
        check(process, key, startedAt, endedAt, result.state, result.value as FleetValue);
      } catch (error) {
        report.failed += 1;
        report.violations.push(`w${process + 1} get ${key} failed: ${String(error)}`);
      }
    };

    const invalidate = async () => {
      const process = Math.floor(random() * fleet.length);
      const worker = fleet[process] as FleetWorker;
      const versions = new Map<string, number>();
      let label: string;
      let mode: "soft" | "hard" = "hard";
      let run: () => Promise<unknown>;
      if (random() < 0.5) {
        const key = pick(keys);
        versions.set(key, data.bump(key));
        label = `invalidate(${key}) by w${process + 1}`;
        run = () => worker.invalidate(key);
      } else {
        const group = Math.floor(random() * groups);
        mode = random() < 0.7 ? "hard" : "soft";
        for (const key of keys)
          if (Number(key.slice(1)) % groups === group) versions.set(key, data.bump(key));
        label = `invalidateTag(g${group}, ${mode}) by w${process + 1}`;
        run = () => worker.invalidateTag(`g${group}`, mode);
      }
      try {
        await run();
        invalidations.push({ versions, mode, doneAt: now(), label });
        report.invalidations.done += 1;
      } catch {
        report.invalidations.refused += 1; // Redis could not be told: the invalidation did not happen fleet-wide
      }
    };

    const fault = async () => {
      const kind: Fault = pick(FAULTS);
      const global = kind === "redis-pause" || kind === "redis-restart-empty";
      const process = global ? "all" : Math.floor(random() * fleet.length);
      if (faulty.has(process) || (global && faulty.size > 0) || faulty.has("all")) return;
      const holdMs = 100 + Math.floor(random() * 1_200);
      report.faults[kind] = (report.faults[kind] ?? 0) + 1;
      const window: FaultWindow = { process, from: now(), to: Number.POSITIVE_INFINITY };
      windows.push(window);
      faulty.add(process);
      log(`fault ${kind} on ${process === "all" ? "redis" : `w${process + 1}`} for ${holdMs} ms`);
      const proxy = proxies[process as number] as FaultProxy;
      let heal = () => {};
      switch (kind) {
        case "pubsub-blackhole":
          proxy.killSilently("pubsub");
          break;
        case "pubsub-reset":
          proxy.reset("pubsub");
          break;
        case "command-reset":
          proxy.reset("command");
          break;
        case "all-reset":
          proxy.reset("all");
          break;
        case "command-blackhole":
          proxy.killSilently("command");
          break;
        case "pubsub-stall":
        case "command-stall": {
          const which = kind === "pubsub-stall" ? "pubsub" : "command";
          proxy.set(which, "stall", "open");
          heal = () => proxy.set(which, "pass");
          break;
        }
        case "cut-off":
          proxy.refuse(true);
          proxy.reset("all");
          heal = () => proxy.refuse(false);
          break;
        case "redis-pause":
          await pauseRedis(redis, holdMs);
          break;
        case "redis-restart-empty":
          await restartEmpty(redis);
          break;
      }
      const healed = sleep(holdMs).then(() => {
        heal();
        window.to = now();
        faulty.delete(process);
      });
      heals.add(healed);
      healed.then(() => heals.delete(healed));
    };

    const skew = async () => {
      const process = Math.floor(random() * fleet.length);
      const ms = pick([2_000, -2_000]);
      log(`skew w${process + 1} by ${ms} ms`);
      await (fleet[process] as FleetWorker).advance(ms);
    };

    // Gets run concurrently with everything else (a few at a time per process), so fetches
    // overlap invalidations and faults; the other steps are awaited one by one.
    const running = fleet.map(() => new Set<Promise<void>>());
    const launch = (process: number) => {
      const lane = running[process] as Set<Promise<void>>;
      if (lane.size >= 3) return;
      const pending = get(process, pick(keys));
      lane.add(pending);
      pending.then(() => lane.delete(pending));
    };
    for (let step = 0; step < options.steps; step++) {
      const roll = random();
      if (roll < 0.55) for (let process = 0; process < fleet.length; process++) launch(process);
      else if (roll < 0.75) await invalidate();
      else if (roll < 0.87) await fault();
      else if (roll < 0.9) await skew();
      else await sleep(50 + Math.floor(random() * 300));
      await sleep(5 + Math.floor(random() * 20));
    }
    await Promise.all(running.flatMap((lane) => [...lane]));
    await Promise.all(heals);
    // Every fault healed and settled: every process serves every key as of its last invalidation.
    await sleep(settleMs);
    for (const key of keys) await Promise.all(fleet.map((_, process) => get(process, key)));
    const stats = await Promise.all(fleet.map((worker) => worker.stats()));
    for (const { store } of stats) {
      if (store === undefined) continue;
      for (const name of ["stored", "refused", "failed", "localOnly"] as const)
        report.writes[name] += store.writes[name];
    }
    return report;
  } finally {
    await Promise.all(fleet.map((worker) => worker.close()));
    await Promise.all(proxies.map((proxy) => proxy.close()));
    await origin?.close();
    await server?.stop();
  }
}

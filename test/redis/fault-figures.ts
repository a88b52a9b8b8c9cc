/**
 * Measures the fleet under each fault of the harness (issue 11): run with
 * `npx tsx test/redis/fault-figures.ts`. Four forked processes, each on its own fault proxy
 * in front of one redis-server, store options at their defaults (50 ms command timeout,
 * 500 ms heartbeat: heard-within bound 2 s), under steady load on 10 tagged keys from a
 * versioned HTTP origin. For each fault, a healthy process invalidates one key and one tag
 * while it lasts; every answer older than a completed invalidation is counted, by state.
 * Prints a Markdown table. Not asserted anywhere: durations are measured, not tested.
 */
import { FaultProxy } from "./fault-proxy.js";
import { fillMemory, pauseRedis, restartEmpty } from "./faults.js";
import { type FleetWorker, spawnFleet } from "./fleet-harness.js";
import type { LoadStats } from "./fleet-protocol.js";
import { VersionedOrigin } from "./origin.js";
import { type RedisServer, sleep, startRedis } from "./redis-server.js";

const PROCESSES = 4;
const KEYS = Array.from({ length: 10 }, (_, i) => `k${i}`);
const GROUPS = 3;
const SOCKET_TIMEOUT_MS = 1_500;
/** CLOCK_MONOTONIC in ms: the workers' clock too, so times compare across processes. */
const monotonic = () => Number(process.hrtime.bigint()) / 1e6;

interface Context {
  server: RedisServer;
  proxy: FaultProxy;
  faulted: FleetWorker;
}

interface FaultCase {
  name: string;
  /** Whole Redis (every process) or one process (w1). */
  redisWide: boolean;
  /** How long the fault lasts before it is healed (0: a one-shot fault the fleet heals itself). */
  holdMs: number;
  inject(context: Context): Promise<(() => Promise<void>) | undefined>;
}

const CASES: FaultCase[] = [
  {
    name: "pub/sub connection reset (RST), one process",
    redisWide: false,
    holdMs: 0,
    inject: async ({ proxy }) => {
      proxy.reset("pubsub");
      return undefined;
    },
  },
  {
    name: "pub/sub connection blackholed (no FIN/RST), one process",
    redisWide: false,
    holdMs: 0,
    inject: async ({ proxy }) => {
      proxy.killSilently("pubsub");
      return undefined;
    },
  },
  {
    name: "pub/sub back before the command connection (command stalled 1 s, pub/sub reset), one process",
    redisWide: false,
    holdMs: 1_000,
    inject: async ({ proxy }) => {
      proxy.set("command", "stall", "open");
      proxy.reset("pubsub");
      return async () => proxy.set("command", "pass");
    },
  },
  {
    name: "command connection stalled 1 s, one process",
    redisWide: false,
    holdMs: 1_000,
    inject: async ({ proxy }) => {
      proxy.set("command", "stall", "open");
      return async () => proxy.set("command", "pass");
    },
  },
  {
    name: "command connection blackholed (ioredis socketTimeout 1.5 s), one process",
    redisWide: false,
    holdMs: 0,
    inject: async ({ proxy }) => {
      proxy.killSilently("command");
      return undefined;
    },
  },
  {
    name: "one process cut off 2 s (both connections reset, reconnections refused)",
    redisWide: false,
    holdMs: 2_000,
    inject: async ({ proxy }) => {
      proxy.refuse(true);
      proxy.reset("all");
      return async () => proxy.refuse(false);
    },
  },
  {
    name: "one process's clock 1 h ahead",
    redisWide: false,
    holdMs: 0,
    inject: async ({ faulted }) => {
      await faulted.advance(3_600_000);
      return undefined;
    },
  },
  {
    name: "Redis paused 1 s (CLIENT PAUSE ALL)",
    redisWide: true,
    holdMs: 1_000,
    inject: async ({ server }) => {
      await pauseRedis(server, 1_000);
      return undefined;
    },
  },
  {
    name: "Redis restarted empty",
    redisWide: true,
    holdMs: 0,
    inject: async ({ server }) => {
      await restartEmpty(server);
      return undefined;
    },
  },
  {
    name: "Redis SIGKILLed, restarted empty 2 s later",
    redisWide: true,
    holdMs: 2_000,
    inject: async ({ server }) => {
      await server.kill();
      return () => server.start();
    },
  },
  {
    name: "Redis full 2 s (maxmemory, noeviction)",
    redisWide: true,
    holdMs: 2_000,
    inject: async ({ server }) => fillMemory(server),
  },
];

interface Row {
  fault: string;
  served: string;
  old: string;
  failed: string;
  recovered: string;
  notes: string;
}

const seconds = (ms: number) => `${(ms / 1_000).toFixed(2)} s`;

async function measure(fault: FaultCase): Promise<Row> {
  const server = await startRedis();
  const origin = await VersionedOrigin.start();
  const proxies = await Promise.all(Array.from({ length: PROCESSES }, () => FaultProxy.start(server.port)));
  const fleet = await Promise.all(
    proxies.map(async (proxy, i) => {
      const [worker] = await spawnFleet(
        1,
        {
          port: proxy.port,
          prefix: "figures:",
          originUrl: origin.url,
          socketTimeoutMs: SOCKET_TIMEOUT_MS,
          fetchDelayMs: 10,
          engines: { main: { ttlMs: 60_000, staleTtlMs: 600_000, tagGroups: GROUPS } },
        },
        i + 1,
      );
      return worker as FleetWorker;
    }),
  );
  const [faulted, invalidator] = fleet as [FleetWorker, FleetWorker];
  const notes: string[] = [];
  try {
    for (const worker of fleet) for (const key of KEYS) await worker.get(key);
    const loads: Promise<LoadStats>[] = fleet.map((worker) => worker.load(KEYS, 2, 2_000));
    await sleep(500);
    const injectedAt = monotonic();
    const heal = await fault.inject({ server, proxy: proxies[0] as FaultProxy, faulted });
    await sleep(300);
    // A healthy process invalidates a key and a tag while the fault lasts (or after, if Redis refuses).
    const invalidated: number[] = [];
    const invalidate = async () => {
      const changed = new Map<string, number>();
      changed.set("k0", origin.bump("k0"));
      await invalidator.invalidate("k0");
      for (const key of KEYS) if (Number(key.slice(1)) % GROUPS === 1) changed.set(key, origin.bump(key));
      await invalidator.invalidateTag("g1", "hard");
      invalidated.push(monotonic());
      for (const worker of fleet) for (const [key, version] of changed) await worker.expect(key, version);
    };
    let refused = false;
    try {
      await invalidate();
    } catch {
      refused = true;
      notes.push("invalidation during the fault refused (ISR_REDIS_UNAVAILABLE): done again after it");
    }
    const remaining = fault.holdMs - (monotonic() - injectedAt);
    if (remaining > 0) await sleep(remaining);
    await heal?.();
    const healedAt = monotonic();
    if (refused) {
      for (let attempt = 0; attempt < 50; attempt++) {
        try {
          await invalidate();
          break;
        } catch {
          await sleep(100);
        }
      }
    }
    let recoveredAt = Number.NaN;
    for (let i = 0; i < 1_000; i++) {
      const states = await Promise.all(fleet.map((worker) => worker.stats()));
      if (states.every((state) => state.available)) {
        recoveredAt = monotonic();
        break;
      }
      await sleep(20);
    }
    await sleep(1_000);
    await Promise.all(fleet.map((worker) => worker.stopLoad()));
    const stats = await Promise.all(loads);
    const hit = fault.redisWide ? stats : [stats[0] as LoadStats];
    const sum = (pick: (s: LoadStats) => number, of = stats) => of.reduce((total, s) => total + pick(s), 0);
    const served = `${fault.redisWide ? "all" : "w1"}: ${sum((s) => s.states.fresh, hit)} fresh, ${sum((s) => s.states.stale, hit)} stale, ${sum((s) => s.states.miss, hit)} miss`;
    const doneAt = invalidated[0] ?? Number.NaN;
    const lastFresh = Math.max(...stats.map((s) => s.lastOldAt.fresh ?? Number.NEGATIVE_INFINITY));
    const lastStale = Math.max(...stats.map((s) => s.lastOldAt.stale ?? Number.NEGATIVE_INFINITY));
    const old = [
      `${sum((s) => s.old.fresh)} fresh${lastFresh > 0 ? ` (last ${seconds(lastFresh - doneAt)} after)` : ""}`,
      `${sum((s) => s.old.stale)} stale${lastStale > 0 ? ` (last ${seconds(lastStale - doneAt)} after)` : ""}`,
      `${sum((s) => s.old.miss)} miss`,
    ].join(", ");
    const failed = `${sum((s) => s.failed)} of ${sum((s) => s.total)} (${sum((s) => s.hung)} over 2 s)`;
    const from = fault.holdMs > 0 ? healedAt : injectedAt;
    const recovered = Number.isNaN(recoveredAt)
      ? "not within 20 s"
      : `${seconds(Math.max(0, recoveredAt - from))} after ${fault.holdMs > 0 ? "it healed" : "it happened"}`;
    return { fault: fault.name, served, old, failed, recovered, notes: notes.join("; ") };
  } finally {
    await Promise.all(fleet.map((worker) => worker.close()));
    await Promise.all(proxies.map((proxy) => proxy.close()));
    await origin.close();
    await server.stop();
  }
}

async function main() {
  const only = process.argv[2];
  const rows: Row[] = [];
  for (const fault of CASES) {
    if (only !== undefined && !fault.name.includes(only)) continue;
    const row = await measure(fault);
    console.error(`measured: ${fault.name}`);
    rows.push(row);
  }
  console.log(
    `\n${PROCESSES} processes, each on its own fault proxy; store defaults (commandTimeoutMs 50, heartbeatMs 500: heard-within bound 2 s); 10 keys under load, 2 lanes per process; a key and a tag invalidated by a healthy process 0.3 s into the fault.\n`,
  );
  console.log(
    "| fault | what was served (faulted process) | answers older than a completed invalidation | requests failed | time to recover (every store available) |",
  );
  console.log("|---|---|---|---|---|");
  for (const row of rows) {
    console.log(
      `| ${row.fault} | ${row.served} | ${row.old} | ${row.failed} | ${row.recovered}${row.notes ? ` — ${row.notes}` : ""} |`,
    );
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);

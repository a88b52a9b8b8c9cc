import { httpTable, measurePlan } from "../http/measure.js";
import type { BurstResult } from "../lib/burst.js";
import { Child } from "../lib/child.js";
import { config } from "../lib/config.js";
import { choosePinning } from "../lib/cpus.js";
import { fixed, table } from "../lib/format.js";
import { sleep } from "../lib/workload.js";
import { dropPrefix, REDIS_URL, redisUnavailable, runPrefix } from "../redis/connect.js";
import type { BurstRequest } from "../redis/fleet-child.js";
import { httpMethod } from "./http.js";
import type { Scenario, ScenarioResult } from "./scenario.js";
import { type Contender, measureThroughput, throughputMethod, throughputTable } from "./throughput.js";

const CONTENDERS: Contender[] = [
  { spec: "isr-plug", name: "isr-plug", call: "get (memory store)", version: "working tree" },
  {
    spec: "redis/isr-plug-redis",
    name: "isr-plug-redis",
    call: "get (Redis store, local tier)",
    version: "working tree",
  },
];

interface FleetRun {
  store: "memory" | "redis";
  cold: BurstResult[];
  stale: BurstResult[];
}

/**
 * Four processes get one key at the same moment, cold and then stale. On memory stores each
 * process fetches for itself; on the Redis store the fleet should fetch once.
 */
async function fleet(store: "memory" | "redis", log: (line: string) => void): Promise<FleetRun> {
  const { processes } = config.redis;
  const { fetchMs, ttlMs } = config.stampede;
  const { concurrency } = config.redis;
  const prefix = runPrefix();
  const children = Array.from(
    { length: processes },
    () => new Child("bench/redis/fleet-child.ts", [store, prefix, String(fetchMs), String(ttlMs)]),
  );
  try {
    await Promise.all(children.map((child) => child.result()));
    const request: BurstRequest = {
      key: "tenant-1",
      concurrency: Math.ceil(concurrency / processes),
      settleMs: fetchMs * 10,
    };
    const cold = await Promise.all(children.map((child) => child.request<BurstResult>("burst", request)));
    await sleep(ttlMs + 100);
    const stale = await Promise.all(children.map((child) => child.request<BurstResult>("burst", request)));
    const total = (bursts: BurstResult[]) => bursts.reduce((sum, b) => sum + b.fetches, 0);
    log(
      `  fleet of ${processes} on ${store}: cold ${total(cold)} fetch(es), stale ${total(stale)} fetch(es)`,
    );
    return { store, cold, stale };
  } finally {
    await Promise.all(children.map((child) => child.stop()));
    if (store === "redis") await dropPrefix(prefix);
  }
}

function fleetTable(runs: readonly FleetRun[]): string {
  const perProcess = Math.ceil(config.redis.concurrency / config.redis.processes);
  const sum = (bursts: readonly BurstResult[], pick: (b: BurstResult) => number) =>
    bursts.reduce((total, b) => total + pick(b), 0);
  const worst = (bursts: readonly BurstResult[]) => Math.max(...bursts.map((b) => b.p99Ms));
  return table(
    [
      "store",
      "cold: fetches (per process)",
      "cold worst p99 ms",
      "stale: fetches (per process)",
      "stale worst p99 ms",
      "stale: served old value",
      "errors",
    ],
    runs.map((run) => [
      run.store === "redis" ? "Redis store (shared)" : "memory store (one per process)",
      `${sum(run.cold, (b) => b.fetches)} (${run.cold.map((b) => b.fetches).join(" + ")})`,
      fixed(worst(run.cold), 1),
      `${sum(run.stale, (b) => b.fetches)} (${run.stale.map((b) => b.fetches).join(" + ")})`,
      fixed(worst(run.stale), 2),
      `${sum(run.stale, (b) => b.servedOld)}/${run.stale.length * perProcess}`,
      String(sum([...run.cold, ...run.stale], (b) => b.errors)),
    ]),
    ["left", "right", "right", "right", "right", "right", "right"],
  );
}

export const redis: Scenario = {
  name: "redis",
  async run({ log }): Promise<ScenarioResult> {
    const why = await redisUnavailable();
    if (why !== undefined) {
      log(`  skipped: ${why}`);
      return { markdown: `### (d) Redis store\n\nskipped: ${why}.`, data: { skipped: why } };
    }
    const sections: string[] = [];
    const data: Record<string, unknown> = { redis: REDIS_URL };
    const references = [{ name: "isr-plug", label: "memory store" }];
    for (const keys of config.redis.keyCounts) {
      const rows = await measureThroughput(
        CONTENDERS,
        keys,
        references.map((r) => r.name),
        log,
      );
      data[`keys${keys}`] = rows;
      sections.push(
        `#### Fresh-hit get, ${keys === 1 ? "1 hot key" : `${keys.toLocaleString("en-US")} keys in random order`}\n\n` +
          throughputTable(rows, references),
      );
    }
    const pinning = choosePinning();
    const http = await measurePlan(
      {
        framework: "fastify",
        variants: [
          { variant: "bare", label: "bare app" },
          { variant: "plug", label: "isr-plug plugin, memory store" },
          { variant: "plug:redis", label: "isr-plug plugin, Redis store" },
        ],
      },
      pinning,
      log,
    );
    data.http = http;
    sections.push(
      `#### Fastify, fresh hits\n\n${httpTable(http, { variant: "plug", name: "memory store" })}`,
    );
    const runs = [await fleet("memory", log), await fleet("redis", log)];
    data.fleet = runs;
    const { fetchMs, ttlMs } = config.stampede;
    const { concurrency } = config.redis;
    sections.push(
      `#### Fleet of ${config.redis.processes} processes: ${concurrency.toLocaleString("en-US")} concurrent gets of one key ` +
        `spread over them, fetch ${fetchMs} ms\n\nCold, then stale once the ttl (${ttlMs} ms) has passed; fetches ` +
        `counted in every process after the refresh settled.\n\n${fleetTable(runs)}`,
    );
    return {
      markdown:
        `### (d) Redis store (${REDIS_URL}), hits served from its local tier, against memory only\n\n` +
        `Fresh-hit get: ${throughputMethod()} HTTP: ${httpMethod(pinning.note)}\n\n${sections.join("\n\n")}`,
      data,
    };
  },
};

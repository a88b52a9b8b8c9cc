/**
 * Soak: SOAK_SECONDS (default 60) of mixed load over real HTTP on 127.0.0.1 against an
 * origin that fails, hangs and crawls, with Redis restarts when redis-server is installed;
 * then the model test with many more scenarios; then, with redis-server, the long fleet model
 * check (SOAK_FLEET_STEPS steps, default 2000, of 4 processes under connection, Redis and
 * clock faults; SOAK_FLEET_SEED replays a run). Prints requests, errors, hung requests,
 * fetches per key, unhandled rejections and peak memory; exits non-zero on any hang, server
 * error, unhandled rejection, model failure or fleet violation. Not part of `npm test`.
 *   npm run soak            SOAK_SECONDS=20 npm run soak            SOAK_REDIS=0 npm run soak
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import express from "express";
import { isrPlug } from "../src/adapters/express.js";
import { createMemoryStore, type Store } from "../src/index.js";

const seconds = Number(process.env.SOAK_SECONDS ?? 60);
const modelRuns = Number(process.env.SOAK_MODEL_RUNS ?? 20_000);
const concurrency = 32;
const tenants = 100;
const clientTimeoutMs = 5_000;

let unhandled = 0;
process.on("unhandledRejection", (reason) => {
  unhandled += 1;
  console.error("unhandled rejection:", reason);
});

const fetchesPerKey = new Map<string, number>();
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The origin: mostly quick, sometimes failing, slow or hanging (until its signal aborts). */
async function origin(tenant: string, signal: AbortSignal): Promise<{ tenant: string; at: number }> {
  fetchesPerKey.set(tenant, (fetchesPerKey.get(tenant) ?? 0) + 1);
  const roll = Math.random();
  if (roll < 0.1) throw new Error("origin failed");
  const delay = roll < 0.13 ? 60_000 : roll < 0.23 ? 300 : 5 + Math.random() * 15;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, delay);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });
  return { tenant, at: Date.now() };
}

interface RedisProcess {
  url: string;
  restart(): Promise<void>;
  stop(): void;
}

async function startRedis(): Promise<RedisProcess | undefined> {
  if (process.env.SOAK_REDIS === "0") return undefined;
  if (spawnSync("redis-server", ["--version"], { stdio: "ignore" }).status !== 0) return undefined;
  const probe = express().listen(0, "127.0.0.1");
  await new Promise((r) => probe.once("listening", r));
  const port = (probe.address() as AddressInfo).port;
  probe.close();
  const dir = mkdtempSync(join(tmpdir(), "isr-soak-redis-"));
  let child: ChildProcess | undefined;
  const launch = async () => {
    child = spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir],
      {
        stdio: "ignore",
      },
    );
    await sleep(300);
  };
  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    async restart() {
      child?.kill("SIGKILL");
      await sleep(2_000);
      await launch();
    },
    stop() {
      child?.kill("SIGKILL");
    },
  };
}

async function main(): Promise<void> {
  const redis = await startRedis();
  let store: Store = createMemoryStore();
  let closeStore = async () => {};
  if (redis !== undefined) {
    const { Redis } = await import("ioredis");
    const { createRedisStore } = await import("../src/stores/redis.js");
    const client = new Redis(redis.url, { maxRetriesPerRequest: 1, lazyConnect: false });
    client.on("error", () => {});
    const redisStore = createRedisStore({ client, logger: quietLogger });
    store = redisStore;
    closeStore = async () => {
      await redisStore.close();
      client.disconnect();
    };
  }

  const plug = isrPlug<{ tenant: string; at: number }, string>({
    fetch: (tenant, { signal }) => origin(tenant, signal),
    extract: (req) => String(req.headers["x-tenant"]),
    cacheKey: (req) => ["settings", String(req.headers["x-tenant"])],
    apply: (_req, res, value, info) => {
      res.locals.settings = value;
      res.setHeader("x-isr-state", info.state);
    },
    ttlMs: 500,
    staleTtlMs: 2_000,
    staleIfErrorMs: 5_000,
    softTimeoutMs: 100,
    timeoutMs: 250,
    errorBackoff: { minMs: 100, maxMs: 2_000 },
    maxConcurrentFetches: 50,
    namespace: "settings",
    store,
    logger: quietLogger,
  });
  const app = express();
  app.use(plug);
  app.get("/", (_req, res) => {
    res.json(res.locals.settings ?? null);
  });
  const server = app.listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

  const counts = { requests: 0, withValue: 0, passedThrough: 0, serverErrors: 0, clientErrors: 0, hung: 0 };
  const states = new Map<string, number>();
  let peakRss = 0;
  let peakHeap = 0;
  const sampler = setInterval(() => {
    const { rss, heapUsed } = process.memoryUsage();
    peakRss = Math.max(peakRss, rss);
    peakHeap = Math.max(peakHeap, heapUsed);
  }, 250);
  const restarts: number[] = [];
  const restarter =
    redis === undefined
      ? undefined
      : setInterval(() => {
          restarts.push(Date.now());
          redis.restart().catch((error: unknown) => console.error("redis restart failed", error));
        }, 15_000);

  const deadline = Date.now() + seconds * 1_000;
  const client = async () => {
    while (Date.now() < deadline) {
      // Skewed popularity: a few hot tenants, a long tail.
      const tenant = `t${Math.floor(Math.random() ** 2 * tenants)}`;
      counts.requests += 1;
      try {
        const response = await fetch(url, {
          headers: { "x-tenant": tenant },
          signal: AbortSignal.timeout(clientTimeoutMs),
        });
        const body = (await response.json()) as unknown;
        if (response.status >= 500) counts.serverErrors += 1;
        else if (body === null) counts.passedThrough += 1;
        else counts.withValue += 1;
        const state = response.headers.get("x-isr-state") ?? "none";
        states.set(state, (states.get(state) ?? 0) + 1);
      } catch (error) {
        if ((error as Error).name === "TimeoutError") counts.hung += 1;
        else counts.clientErrors += 1;
      }
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: concurrency }, client));
  const elapsed = (Date.now() - started) / 1_000;
  clearInterval(sampler);
  if (restarter) clearInterval(restarter);
  server.close();
  await plug.isr.close();
  await closeStore();
  redis?.stop();

  const perKey = [...fetchesPerKey.values()];
  const totalFetches = perKey.reduce((a, b) => a + b, 0);
  const stats = plug.isr.stats();
  console.log(
    `\n## isr-plug soak (${elapsed.toFixed(0)} s, ${concurrency} connections, ${tenants} tenants, ${redis ? `Redis with ${restarts.length} kill/restart cycles` : "memory store"})\n`,
  );
  console.log("| metric | value |\n|---|---|");
  const rows: [string, string | number][] = [
    ["requests", counts.requests],
    ["requests/s", (counts.requests / elapsed).toFixed(0)],
    ["served with a value", counts.withValue],
    ["passed through without a value (origin down, nothing cached)", counts.passedThrough],
    ["server errors (5xx)", counts.serverErrors],
    ["client/network errors", counts.clientErrors],
    [`hung requests (> ${clientTimeoutMs} ms)`, counts.hung],
    ["response states", [...states].map(([s, n]) => `${s} ${n}`).join(", ")],
    ["origin fetches", totalFetches],
    [
      "fetches per key (max / mean)",
      `${Math.max(...perKey)} / ${(totalFetches / Math.max(1, perKey.length)).toFixed(1)}`,
    ],
    ["fetches per key per second (max)", (Math.max(...perKey) / elapsed).toFixed(2)],
    [
      "engine: stale-if-error serves / errors / timed out",
      `${stats.served.staleIfError} / ${stats.errors} / ${stats.fetches.timedOut}`,
    ],
    ["unhandled rejections", unhandled],
    ["peak RSS / heap (MB)", `${(peakRss / 1_048_576).toFixed(0)} / ${(peakHeap / 1_048_576).toFixed(0)}`],
  ];
  for (const [name, value] of rows) console.log(`| ${name} | ${value} |`);

  console.log(`\nmodel test with ${modelRuns} scenarios…`);
  const model = spawnSync("npx", ["vitest", "run", "test/model"], {
    stdio: "inherit",
    env: { ...process.env, MODEL_RUNS: String(modelRuns) },
  });
  const fleetViolations = redis === undefined ? 0 : await fleetModel();
  const failed =
    counts.hung > 0 ||
    counts.serverErrors > 0 ||
    counts.clientErrors > 0 ||
    unhandled > 0 ||
    model.status !== 0 ||
    fleetViolations > 0;
  console.log(failed ? "\nSOAK FAILED" : "\nsoak passed");
  process.exit(failed ? 1 : 0);
}

/** The long fleet model check (test/redis/fleet-model.ts); resolves how many violations it found. */
async function fleetModel(): Promise<number> {
  const { runFleetModel } = await import("../test/redis/fleet-model.js");
  const steps = Number(process.env.SOAK_FLEET_STEPS ?? 2_000);
  const seed = Number(process.env.SOAK_FLEET_SEED ?? Math.floor(Math.random() * 2 ** 31));
  console.log(`\nfleet model check: 4 processes, ${steps} steps, seed ${seed}…`);
  const report = await runFleetModel({ processes: 4, steps, seed });
  console.log("| metric | value |\n|---|---|");
  const rows: [string, string | number][] = [
    ["requests", report.requests],
    ["failed requests", report.failed],
    [
      "answers by state",
      Object.entries(report.states)
        .map(([state, n]) => `${state} ${n}`)
        .join(", "),
    ],
    [
      "invalidations done / refused (Redis unreachable)",
      `${report.invalidations.done} / ${report.invalidations.refused}`,
    ],
    [
      "faults",
      Object.entries(report.faults)
        .map(([fault, n]) => `${fault} ${n}`)
        .join(", "),
    ],
    ["answers checked against an invalidation", report.checked],
    ["writes stored / refused / failed / kept locally", Object.values(report.writes).join(" / ")],
    ["violations", report.violations.length],
  ];
  for (const [name, value] of rows) console.log(`| ${name} | ${value} |`);
  for (const violation of report.violations.slice(0, 20)) console.log(`  violation: ${violation}`);
  return report.violations.length + report.failed;
}

const quietLogger = { debug() {}, info() {}, warn() {}, error() {} };

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

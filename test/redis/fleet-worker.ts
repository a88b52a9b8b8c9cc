/**
 * One process of a test fleet (run by fleet-harness.ts with child_process.fork): an engine
 * on a Redis store, driven over IPC. Its fetch counts calls and can be held (gate) or never
 * answer (hang), so the parent decides when the origin answers.
 */
import { Redis } from "ioredis";
import { createIsr, type Isr, type IsrResult } from "../../src/index.js";
import { createRedisStore, type RedisClientLike, type RedisStore } from "../../src/stores/redis.js";
import { connectClient } from "./clients.js";
import type { FetchMode, FleetValue, LoadStats, WorkerCommand, WorkerInit } from "./fleet-protocol.js";

// CLOCK_MONOTONIC is one clock for every process of the machine, so times compare across the fleet.
const now = () => Number(process.hrtime.bigint()) / 1e6;
const send = (message: object) => process.send?.(message);

let clockOffset = 0;
let closeClient: (() => void | Promise<void>) | undefined;
let store: RedisStore | undefined;
const engines = new Map<string, Isr<FleetValue, void>>();
const fetchCounts = new Map<string, number>();
const modes = new Map<string, FetchMode>();
const gates = new Map<string, (() => void)[]>();
const logCounts = new Map<string, number>();
const drops: { key: string; change: string; at: number }[] = [];
let fetchDelayMs = 10;
let id = "";
let loadStop: (() => void) | undefined;
/**
 * Versions announced by the parent after an invalidation, with when: an answer below one, to
 * a request made after that, is an old value.
 */
const expected = new Map<string, { version: number; since: number }>();

function record(level: string) {
  return (fields: object, message: string) => {
    const name = `${level}: ${message}`;
    logCounts.set(name, (logCounts.get(name) ?? 0) + 1);
    if (message.includes("local copy dropped")) {
      const { key, change } = fields as { key: unknown; change: unknown };
      drops.push({ key: String(key), change: String(change), at: now() });
    }
  };
}

const logger = {
  debug: record("debug"),
  info: record("info"),
  warn: record("warn"),
  error: record("error"),
  isLevelEnabled: () => true,
};

let originUrl: string | undefined;

async function fetchValue(key: string): Promise<FleetValue> {
  const n = (fetchCounts.get(key) ?? 0) + 1;
  fetchCounts.set(key, n);
  const mode = modes.get(key) ?? "delay";
  send({ event: "fetch-started", worker: id, key });
  // Read first, then wait: the value is the origin's as the fetch started.
  const v =
    originUrl === undefined
      ? undefined
      : ((await (await fetch(`${originUrl}/${encodeURIComponent(key)}`)).json()) as { v: number }).v;
  if (mode === "hang") await new Promise(() => {});
  if (mode === "gate")
    await new Promise<void>((resolve) => gates.set(key, [...(gates.get(key) ?? []), resolve]));
  else await new Promise((resolve) => setTimeout(resolve, fetchDelayMs));
  return v === undefined ? { worker: id, key, n } : { worker: id, key, n, v };
}

function init(options: WorkerInit): Promise<void> {
  id = options.id;
  fetchDelayMs = options.fetchDelayMs ?? fetchDelayMs;
  originUrl = options.originUrl;
  clockOffset = options.skewMs ?? 0;
  let client: RedisClientLike;
  if (options.client === undefined) {
    const ioredis = new Redis({
      port: options.port,
      host: "127.0.0.1",
      retryStrategy: () => 50,
      ...(options.socketTimeoutMs === undefined ? {} : { socketTimeout: options.socketTimeoutMs }),
    });
    ioredis.on("error", () => {});
    client = ioredis;
    closeClient = () => ioredis.disconnect();
  } else {
    const made = connectClient(options.client, options.port, { retryMs: 50 });
    client = made.client;
    closeClient = made.close;
  }
  const clock = () => Date.now() + clockOffset;
  store = createRedisStore({ client, prefix: options.prefix, logger, now: clock, ...options.store });
  for (const [name, { tagGroups, ...profile }] of Object.entries(options.engines)) {
    engines.set(
      name,
      createIsr<FleetValue, void>({
        fetch: (_extracted, { key }) => fetchValue(String(key)),
        store,
        now: clock,
        logger,
        namespace: name,
        ...(tagGroups === undefined
          ? {}
          : { tags: (value: FleetValue) => [`g${Number(value.key.slice(1)) % tagGroups}`] }),
        ...profile,
      }),
    );
  }
  return waitAvailable();
}

async function waitAvailable(): Promise<void> {
  for (let i = 0; i < 500 && store?.available !== true; i++)
    await new Promise((resolve) => setTimeout(resolve, 10));
  if (store?.available !== true) throw new Error(`worker ${id}: redis store not available`);
}

function engine(name = "main"): Isr<FleetValue, void> {
  const found = engines.get(name);
  if (found === undefined) throw new Error(`no engine ${name}`);
  return found;
}

async function burst(key: string, n: number, name?: string) {
  const isr = engine(name);
  const pending = Array.from({ length: n }, () =>
    isr.get(key).then(
      (result: IsrResult<FleetValue>) => ({ ok: true as const, value: result.value, state: result.state }),
      (error: unknown) => ({ ok: false as const, error: String(error) }),
    ),
  );
  send({ event: "burst-issued", worker: id, key });
  return Promise.all(pending);
}

async function load(keys: string[], lanes: number, hangMs: number, name?: string): Promise<LoadStats> {
  const isr = engine(name);
  const stats: LoadStats = {
    total: 0,
    failed: 0,
    hung: 0,
    maxMs: 0,
    states: { fresh: 0, stale: 0, miss: 0 },
    errors: [],
    old: { fresh: 0, stale: 0, miss: 0 },
    lastOldAt: { fresh: null, stale: null, miss: null },
  };
  let stopped = false;
  const stop = new Promise<void>((resolve) => {
    loadStop = () => {
      stopped = true;
      resolve();
    };
  });
  const lane = async (lane: number) => {
    for (let i = lane; !stopped; i++) {
      const started = performance.now();
      const watchdog = setTimeout(() => {
        stats.hung += 1;
      }, hangMs);
      try {
        const key = keys[i % keys.length] as string;
        const askedAt = now();
        const result = await isr.get(key);
        stats.states[result.state] += 1;
        const floor = expected.get(key);
        if (floor !== undefined && askedAt > floor.since && (result.value.v ?? 0) < floor.version) {
          stats.old[result.state] += 1;
          stats.lastOldAt[result.state] = now();
        }
      } catch (error) {
        stats.failed += 1;
        if (stats.errors.length < 5) stats.errors.push(String(error));
      } finally {
        clearTimeout(watchdog);
        stats.total += 1;
        stats.maxMs = Math.max(stats.maxMs, performance.now() - started);
      }
      // Paced, and yielding to I/O: a fresh hit resolves without ever leaving the microtask queue.
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  };
  const running = Array.from({ length: lanes }, (_, lane) => lane).map(lane);
  send({ event: "load-started", worker: id });
  await stop;
  await Promise.all(running);
  return stats;
}

async function handle(command: WorkerCommand): Promise<unknown> {
  switch (command.cmd) {
    case "init":
      return init(command.init);
    case "burst":
      return burst(command.key, command.n, command.engine);
    case "get": {
      const result = await engine(command.engine).get(command.key);
      return { value: result.value, state: result.state, ageMs: result.ageMs };
    }
    case "invalidate": {
      const startedAt = now();
      await engine(command.engine).invalidate(command.key);
      return { startedAt, resolvedAt: now() };
    }
    case "invalidate-tag":
      await engine(command.engine).invalidateTag(command.tag, { mode: command.mode });
      return undefined;
    case "mode":
      if (command.mode === "delay") modes.delete(command.key);
      else modes.set(command.key, command.mode);
      return undefined;
    case "release": {
      modes.delete(command.key);
      for (const open of gates.get(command.key) ?? []) open();
      gates.delete(command.key);
      return undefined;
    }
    case "advance":
      clockOffset += command.ms;
      return undefined;
    case "load":
      return load(command.keys, command.lanes, command.hangMs, command.engine);
    case "expect":
      expected.set(command.key, { version: command.version, since: now() });
      return now();
    case "stop-load":
      loadStop?.();
      return undefined;
    case "stats":
      return {
        fetches: Object.fromEntries(fetchCounts),
        available: store?.available === true,
        store: store?.stats(),
        logs: Object.fromEntries(logCounts),
        drops: [...drops],
      };
    case "close":
      await Promise.all([...engines.values()].map((isr) => isr.close()));
      await store?.close();
      await closeClient?.();
      setImmediate(() => process.exit(0));
      return undefined;
  }
}

process.on("message", (message: { id: number; command: WorkerCommand }) => {
  handle(message.command).then(
    (result) => send({ id: message.id, result }),
    (error: unknown) => send({ id: message.id, error: String(error) }),
  );
});
// An orphan (the test runner died) would otherwise live on, held open by its Redis connections.
process.on("disconnect", () => process.exit(0));
send({ event: "spawned" });

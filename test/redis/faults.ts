import { Redis } from "ioredis";
import type { RedisServer } from "./redis-server.js";

/**
 * Faults of Redis itself, beside the connection faults of fault-proxy.ts: a paused server,
 * a restart that lost everything, a full memory. Each helper talks to the server directly.
 */

/** A short-lived admin connection (not through any proxy). */
async function withAdmin<T>(server: RedisServer, run: (admin: Redis) => Promise<T>): Promise<T> {
  const admin = new Redis({
    port: server.port,
    host: "127.0.0.1",
    lazyConnect: true,
    retryStrategy: () => null,
  });
  admin.on("error", () => {});
  await admin.connect();
  try {
    return await run(admin);
  } finally {
    admin.disconnect();
  }
}

/** `CLIENT PAUSE ms ALL|WRITE`: Redis holds every client's commands (or only writes) for `ms`. */
export function pauseRedis(server: RedisServer, ms: number, mode: "ALL" | "WRITE" = "ALL"): Promise<void> {
  return withAdmin(server, async (admin) => {
    await admin.call("CLIENT", "PAUSE", String(ms), mode);
  });
}

/** Redis crashes and comes back on the same port with nothing in it (no persistence). */
export async function restartEmpty(server: RedisServer): Promise<void> {
  await server.kill();
  await server.start();
}

/**
 * Caps Redis's memory at what it uses now, with `noeviction`: every write that needs memory
 * is refused with an OOM error, reads still work. Returns a function that lifts the cap.
 */
export function fillMemory(server: RedisServer): Promise<() => Promise<void>> {
  return withAdmin(server, async (admin) => {
    await admin.call("CONFIG", "SET", "maxmemory-policy", "noeviction");
    await admin.call("CONFIG", "SET", "maxmemory", "1");
    return () =>
      withAdmin(server, async (again) => {
        await again.call("CONFIG", "SET", "maxmemory", "0");
      });
  });
}

/** Runs a command on the server directly (to set up or inspect state behind the stores' backs). */
export function onServer<T>(server: RedisServer, run: (admin: Redis) => Promise<T>): Promise<T> {
  return withAdmin(server, run);
}

/** A process clock `offsetMs` off the machine's (a skewed host). */
export function skewedClock(offsetMs: number): { now: () => number; shift(ms: number): void } {
  let offset = offsetMs;
  return {
    now: () => Date.now() + offset,
    shift(ms: number) {
      offset += ms;
    },
  };
}

/**
 * A fresh-hit loop for one peer without IPC or timers, to be run under valgrind, which
 * counts the instructions it executes. argv: peer, key count, warm-up gets, gets. Built into
 * one file by bench/scenarios/instructions.ts (valgrind makes tsx's start-up minutes long).
 */
import { randomOrder, settingsFor, tenantKeys } from "../lib/workload.js";
import { peer as floor } from "../peers/floor.js";
import { peer as isrPlug } from "../peers/isr-plug.js";
import { peer as lruCache } from "../peers/lru-cache.js";

const PEERS = { floor, "isr-plug": isrPlug, "lru-cache": lruCache };

const [name = "floor", keyCountText = "1", warmupText = "50000", getsText = "0"] = process.argv.slice(2);
const peer = PEERS[name as keyof typeof PEERS];
if (peer === undefined) throw new Error(`no peer ${name} here; known: ${Object.keys(PEERS).join(", ")}`);
const keyCount = Number(keyCountText);
const warmup = Number(warmupText);
const gets = Number(getsText);
const cache = await peer.create({
  fetch: async (key) => settingsFor(key),
  ttlMs: 600_000,
  staleTtlMs: 3_600_000,
  max: 100_000,
});
const keys = tenantKeys(keyCount);
for (const key of keys) await cache.get(key);
const order = keyCount === 1 ? keys : randomOrder(keys, 1 << 16);
const mask = order.length - 1;
let sink: unknown;
// The same warm-up in every run, so the difference between two runs is the measured gets alone.
for (let i = 0; i < warmup; i++) sink = await cache.get(order[i & mask] as string);
for (let i = 0; i < gets; i++) sink = await cache.get(order[i & mask] as string);
process.stdout.write(`${name} ${keyCount} ${gets} ${sink === undefined ? "no value" : "ok"}\n`);

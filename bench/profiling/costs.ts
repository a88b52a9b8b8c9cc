/**
 * What the primitives of a cache hit cost on this machine, so a profile's frames can be
 * read against them: a clock read can cost more than the whole lookup on a VM.
 */
import { median } from "../lib/stats.js";

export interface Cost {
  what: string;
  ns: number;
}

let sink: unknown;

function time(fn: (i: number) => unknown, iterations: number): number {
  for (let i = 0; i < iterations / 4; i++) sink = fn(i);
  const start = performance.now();
  for (let i = 0; i < iterations; i++) sink = fn(i);
  return ((performance.now() - start) * 1e6) / iterations;
}

async function timeAsync(fn: (i: number) => Promise<unknown>, iterations: number): Promise<number> {
  for (let i = 0; i < iterations / 4; i++) sink = await fn(i);
  const start = performance.now();
  for (let i = 0; i < iterations; i++) sink = await fn(i);
  return ((performance.now() - start) * 1e6) / iterations;
}

/** Median of five runs of each, in nanoseconds per call. */
export async function primitiveCosts(): Promise<Cost[]> {
  const prefix = ["14:isr_plug_cache:"][0] as string;
  const keys = ["tenant-1", "tenant-1"];
  const stored = `${prefix}s${keys[0]}`;
  const map = new Map([[stored, { value: 1 }]]);
  const cases: [string, (i: number) => unknown][] = [
    ["Date.now()", () => Date.now()],
    ["performance.now()", () => performance.now()],
    ["Map#get, the key string it was set with", () => map.get(stored)],
    [
      "Map#get, the same key freshly concatenated (prefix + tag + key)",
      (i) => map.get(`${prefix}s${keys[i & 1]}`),
    ],
    ["string concatenation alone", (i) => `${prefix}s${keys[i & 1]}`],
    ["allocate a 5-field object", (i) => ({ value: i, state: "fresh", ageMs: 0, key: "k", entry: map })],
  ];
  const costs: Cost[] = [];
  for (const [what, fn] of cases) {
    costs.push({ what, ns: median(Array.from({ length: 5 }, () => time(fn, 1_000_000))) });
  }
  const floor = async (key: string) => map.get(key);
  const runs: number[] = [];
  for (let r = 0; r < 5; r++) runs.push(await timeAsync(() => floor(stored), 1_000_000));
  costs.push({ what: "await of an async function returning Map#get (the floor)", ns: median(runs) });
  const resolved: number[] = [];
  for (let r = 0; r < 5; r++)
    resolved.push(await timeAsync(() => Promise.resolve(map.get(stored)), 1_000_000));
  costs.push({ what: "await Promise.resolve(Map#get)", ns: median(resolved) });
  return costs;
}

export function consumed(): unknown {
  return sink;
}

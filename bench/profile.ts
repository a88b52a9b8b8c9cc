/**
 * CPU profiles of isr-plug's fresh-hit paths, sampled over the measured window only (V8's
 * profiler driven through node:inspector): `get` with 1 key and with 10,000 keys, and a
 * Fastify request through the plugin beside the bare app. Writes .cpuprofile files to
 * bench/results/profiles/ (open them in Chrome DevTools) and prints, as markdown, the top
 * self-time frames and where the time of one get or one request goes.
 * Usage: node --import tsx bench/profile.ts
 */
import { mkdirSync } from "node:fs";
import type { LoadResult } from "./http/load.js";
import type { CpuReading } from "./http/server.js";
import { Child, ROOT, runChild } from "./lib/child.js";
import { areaOf, type Frame, hotLines, inclusiveShares, selfTimes } from "./lib/cpuprofile.js";
import { choosePinning } from "./lib/cpus.js";
import { revision } from "./lib/revision.js";
import { fixed, markdownTable } from "./lib/table.js";
import { buildBundle } from "./profiling/bundle.js";
import { primitiveCosts } from "./profiling/costs.js";
import type { ThroughputSample } from "./scenarios/throughput-child.js";

const DIR = `${ROOT}bench/results/profiles`;
const TOP = 15;
/** 100 µs: ten times V8's default resolution, for paths that take about a microsecond. */
const INTERVAL_US = 100;
mkdirSync(DIR, { recursive: true });

/**
 * Where the time of one awaited get goes: inclusive shares of these frames within the bench
 * loop. Names follow the engine as it is; a frame that no longer exists is left out.
 */
const GET_PARTS = [
  "get@src/engine.ts",
  "lookup@src/engine.ts",
  "#lookup@src/engine.ts",
  "#storeKeyOf@src/engine.ts",
  "encodeKey@src/key.ts",
  "#decide@src/engine.ts",
  "coarseNow@src/clock.ts",
  "served@src/observe/observer.ts",
  "record@src/observe/stats.ts",
  "hit@src/engine.ts",
  "publicResult@src/engine.ts",
  "#refreshInBackground@src/engine.ts",
  "get@node_modules/lru-cache/dist/esm/node/index.min.js",
];

const row = (frame: Frame) => [fixed(frame.selfPercent, 1), fixed(frame.selfMs, 0), frame.name, frame.where];
const FRAME_HEADERS = ["self %", "self ms", "function", "where"];
const FRAME_ALIGN = ["right", "right", "left", "left"] as const;

/** Top self-time frames, totals per area, and isr-plug's own frames; returns the per-area shares. */
function report(title: string, file: string): Map<string, number> {
  const { frames, totalMs } = selfTimes(file);
  const areas = new Map<string, number>();
  for (const frame of frames) areas.set(areaOf(frame), (areas.get(areaOf(frame)) ?? 0) + frame.selfPercent);
  console.log(`### ${title}\n\n${file.slice(ROOT.length)}, ${fixed(totalMs / 1000, 1)} s sampled.\n`);
  console.log(`${markdownTable(FRAME_HEADERS, frames.slice(0, TOP).map(row), [...FRAME_ALIGN])}\n`);
  const byArea = [...areas.entries()].sort((a, b) => b[1] - a[1]).slice(0, 9);
  console.log(
    `Self time by area: ${byArea.map(([area, percent]) => `${area} ${fixed(percent, 1)} %`).join(", ")}.\n`,
  );
  const own = frames.filter((frame) => frame.where.startsWith("src/") && frame.selfPercent >= 0.05);
  if (own.length > 0) {
    console.log(
      `isr-plug's own frames:\n\n${markdownTable(FRAME_HEADERS, own.map(row), [...FRAME_ALIGN])}\n`,
    );
  }
  return areas;
}

async function profileGet(keys: number, stale = false): Promise<void> {
  const file = `${DIR}/get-${stale ? "stale-" : ""}${keys}-keys.cpuprofile`;
  const sample = await runChild<ThroughputSample>(
    "bench/scenarios/throughput-child.ts",
    ["profiling/isr-plug-bundle", String(keys), "1000", "3000"],
    {
      env: {
        ...process.env,
        BENCH_PROFILE_FILE: file,
        BENCH_PROFILE_INTERVAL_US: String(INTERVAL_US),
        BENCH_STALE: stale ? "1" : "0",
      },
    },
  );
  const nsPerGet = 1e9 / sample.opsPerSecond;
  const label = keys === 1 ? "1 key" : `${keys.toLocaleString("en-US")} keys in random order`;
  report(
    stale
      ? `isr-plug \`get\`, stale hits with the refresh in flight, ${label} (the per-call cost behind a stale stampede)`
      : `isr-plug \`get\`, fresh hits, ${label}`,
    file,
  );
  const lines = hotLines(file, 12).map((line) => [fixed(line.percent, 1), line.where, line.name]);
  console.log(
    `Hottest lines of src/ (share of all samples):\n\n${markdownTable(["%", "line", "function"], lines, ["right", "left", "left"])}\n`,
  );
  const { scopeSamples, shares } = inclusiveShares(
    file,
    "loop@bench/scenarios/throughput-child.ts",
    GET_PARTS,
  );
  const rows = GET_PARTS.filter((part) => (shares[part] ?? 0) > 0).map((part) => [
    part,
    `${fixed((shares[part] ?? 0) * 100, 1)} %`,
    fixed((shares[part] ?? 0) * nsPerGet, 0),
  ]);
  console.log(
    `One awaited get took ${fixed(nsPerGet, 0)} ns while sampled (${fixed(sample.opsPerSecond / 1e6, 2)} M ops/s). ` +
      `Of the ${scopeSamples} samples in the bench loop, inside each frame (with what it calls, so rows nest):\n\n` +
      `${markdownTable(["frame", "share", "ns per get"], rows, ["left", "right", "right"])}\n`,
  );
}

/** Server CPU per request during a sampled 5 s window of fresh hits, and the profile of that window. */
async function profileFastify(
  variant: string,
): Promise<{ file: string; usPerRequest: number; requestsPerSecond: number }> {
  const file = `${DIR}/fastify-${variant}.cpuprofile`;
  const pinning = choosePinning();
  const load = new Child("bench/http/load.ts", [], { cpu: pinning.load });
  const server = new Child("bench/http/server.ts", ["fastify", variant], { cpu: pinning.server });
  try {
    await load.result();
    const { port } = await server.result<{ port: number }>();
    const run = { url: `http://127.0.0.1:${port}/settings`, connections: 50, tenants: 100, pipelining: 1 };
    await load.request<LoadResult>("run", { ...run, seconds: 2 });
    await server.request("profile-start", INTERVAL_US);
    await server.request("cpu-start");
    const result = await load.request<LoadResult>("run", { ...run, seconds: 5 });
    const cpu = await server.request<CpuReading>("cpu-stop");
    await server.request("profile-stop", file);
    return {
      file,
      usPerRequest: (cpu.userUs + cpu.systemUs) / result.requests,
      requestsPerSecond: result.requestsPerSecond,
    };
  } finally {
    await server.stop();
    await load.stop();
  }
}

async function profileRequests(): Promise<void> {
  const plug = await profileFastify("plug");
  const bare = await profileFastify("bare");
  const plugAreas = report("Fastify + isr-plug plugin, fresh hits, 100 tenants", plug.file);
  const bareAreas = report("Fastify bare app, same load (for comparison)", bare.file);
  const busy = (areas: Map<string, number>) => 100 - (areas.get("(idle)") ?? 0);
  const usOf = (areas: Map<string, number>, area: string, usPerRequest: number) =>
    ((areas.get(area) ?? 0) / busy(areas)) * usPerRequest;
  const rows = [
    "isr-plug (src/)",
    "lru-cache",
    "(garbage collector)",
    "fastify",
    "node internals",
    "(program)",
  ].map((area) => [
    area,
    fixed(usOf(plugAreas, area, plug.usPerRequest), 2),
    fixed(usOf(bareAreas, area, bare.usPerRequest), 2),
  ]);
  console.log(
    `Server CPU per request while sampled: plugin ${fixed(plug.usPerRequest, 1)} µs ` +
      `(${Math.round(plug.requestsPerSecond)} req/s), bare ${fixed(bare.usPerRequest, 1)} µs ` +
      `(${Math.round(bare.requestsPerSecond)} req/s). Self time per request by area (share of busy samples × CPU per request); ` +
      "the isr-plug and lru-cache rows are what the plugin itself costs, independent of how loaded the machine was:\n\n" +
      `${markdownTable(["area", "plugin µs/req", "bare µs/req"], rows, ["left", "right", "right"])}\n`,
  );
}

console.log(`isr-plug at ${revision()}, Node ${process.version}.\n`);
const costs = await primitiveCosts();
console.log(
  `### What the primitives of a hit cost here\n\nMedian of 5 runs of 1,000,000 calls, ns per call:\n\n` +
    `${markdownTable(
      ["operation", "ns"],
      costs.map((c) => [c.what, fixed(c.ns, 0)]),
      ["left", "right"],
    )}\n`,
);

// The get profiles run isr-plug from a build with line numbers (see bench/profiling/bundle.ts).
buildBundle();
await profileGet(1);
await profileGet(10_000);
await profileGet(1, true);
await profileRequests();

/**
 * CPU profiles (`node --cpu-prof`) of isr-plug's fresh-hit paths: `get` with 1 key and with
 * 10,000 keys, and a Fastify request through the plugin (with the bare app beside it).
 * Writes .cpuprofile files to bench/results/profiles/ (open them in Chrome DevTools) and
 * prints the top self-time frames. Usage: node --import tsx bench/profile.ts
 */
import { mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import type { LoadResult } from "./http/load.js";
import { Child, ROOT, runChild } from "./lib/child.js";
import { areaOf, type Frame, selfTimes } from "./lib/cpuprofile.js";
import { choosePinning } from "./lib/cpus.js";
import { fixed, markdownTable } from "./lib/table.js";
import { sleep } from "./lib/workload.js";

const DIR = `${ROOT}bench/results/profiles`;
const TOP = 15;
mkdirSync(DIR, { recursive: true });

/**
 * tsx's loader runs on its own thread, which --cpu-prof profiles too: each profile goes to
 * a folder of its own and `keepMainThread` keeps the main thread's (thread id 0).
 */
const profileFlags = (name: string) => [
  "--cpu-prof",
  `--cpu-prof-dir=${DIR}/${name}`,
  // 100 µs: ten times V8's default resolution, for a path that takes about a microsecond.
  "--cpu-prof-interval=100",
];

function keepMainThread(name: string): void {
  const folder = `${DIR}/${name}`;
  // Default names are CPU.<date>.<time>.<pid>.<tid>.<seq>.cpuprofile.
  const main = readdirSync(folder).find((file) => file.split(".")[4] === "0");
  if (main === undefined) throw new Error(`no main-thread profile in ${folder}`);
  renameSync(`${folder}/${main}`, `${DIR}/${name}.cpuprofile`);
  rmSync(folder, { recursive: true });
}

function report(title: string, name: string): void {
  keepMainThread(name);
  const { frames, totalMs } = selfTimes(`${DIR}/${name}.cpuprofile`);
  const areas = new Map<string, number>();
  for (const frame of frames) areas.set(areaOf(frame), (areas.get(areaOf(frame)) ?? 0) + frame.selfPercent);
  const row = (frame: Frame) => [
    fixed(frame.selfPercent, 1),
    fixed(frame.selfMs, 0),
    frame.name,
    frame.where,
  ];
  console.log(
    `### ${title}\n\nbench/results/profiles/${name}.cpuprofile, ${fixed(totalMs / 1000, 1)} s sampled.\n`,
  );
  console.log(
    `${markdownTable(["self %", "self ms", "function", "where"], frames.slice(0, TOP).map(row), ["right", "right", "left", "left"])}\n`,
  );
  const byArea = [...areas.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8);
  console.log(`By area: ${byArea.map(([area, percent]) => `${area} ${fixed(percent, 1)} %`).join(", ")}\n`);
  const own = frames.filter((frame) => frame.where.startsWith("src/"));
  if (own.length > 0) {
    console.log(
      `isr-plug's own frames (src/):\n\n${markdownTable(["self %", "self ms", "function", "where"], own.slice(0, 12).map(row), ["right", "right", "left", "left"])}\n`,
    );
  }
}

async function profileGet(keys: number): Promise<string> {
  const name = `get-${keys}-keys`;
  rmSync(`${DIR}/${name}`, { recursive: true, force: true });
  await runChild("bench/scenarios/throughput-child.ts", ["isr-plug", String(keys), "500", "3000"], {
    nodeArgs: profileFlags(name),
  });
  return name;
}

async function profileFastify(variant: string): Promise<string> {
  const name = `fastify-${variant}`;
  rmSync(`${DIR}/${name}`, { recursive: true, force: true });
  const pinning = choosePinning();
  const load = new Child("bench/http/load.ts", [], { cpu: pinning.load });
  await load.result();
  const server = new Child("bench/http/server.ts", ["fastify", variant], {
    cpu: pinning.server,
    nodeArgs: profileFlags(name),
  });
  try {
    const { port } = await server.result<{ port: number }>();
    const url = `http://127.0.0.1:${port}/settings`;
    const result = await load.request<LoadResult>("run", { url, seconds: 6, connections: 50, tenants: 100 });
    console.error(`  fastify ${variant}: ${Math.round(result.requestsPerSecond)} req/s while profiled`);
  } finally {
    await server.stop();
    await load.stop();
  }
  // The profile is written as the process exits; give the file system a moment.
  await sleep(200);
  return name;
}

report("isr-plug `get`, fresh hits, 1 key", await profileGet(1));
report("isr-plug `get`, fresh hits, 10,000 keys in random order", await profileGet(10_000));
report("Fastify + isr-plug plugin, fresh hits, 100 tenants", await profileFastify("plug"));
report("Fastify bare app (for comparison)", await profileFastify("bare"));

import type { Chart } from "../lib/chart.js";
import { runChild } from "../lib/child.js";
import { config } from "../lib/config.js";
import { type Align, count, fixed, ratio, table } from "../lib/format.js";
import type { MemorySample } from "./memory-child.js";
import type { Scenario, ScenarioResult } from "./scenario.js";
import { SCALING_PEERS } from "./throughput.js";

interface Row {
  peer: string;
  entries: number;
  sample: MemorySample;
}

function fullTable(rows: readonly Row[]): string {
  const floor = rows.find((row) => row.peer === "floor")?.sample.bytesPerEntry ?? Number.NaN;
  const lru = rows.find((row) => row.peer === "lru-cache")?.sample.bytesPerEntry ?? Number.NaN;
  return table(
    ["library", "bytes per entry", "× floor", "× lru-cache", "heap delta MB", "entries kept"],
    rows.map(({ peer, sample }) => [
      peer,
      fixed(sample.bytesPerEntry, 0),
      ratio(sample.bytesPerEntry / floor),
      ratio(sample.bytesPerEntry / lru),
      fixed(sample.heapDeltaBytes / 2 ** 20, 1),
      sample.refetched === 0 ? "all" : `${sample.refetched} of a 1/97 sample refetched`,
    ]),
    ["left", "right", "right", "right", "right", "left"],
  );
}

function scalingTable(rows: readonly Row[]): string {
  const sizes = config.memory.entries;
  const bytes = (peer: string, entries: number) =>
    rows.find((row) => row.peer === peer && row.entries === entries)?.sample.bytesPerEntry ?? Number.NaN;
  return table(
    ["entries", ...SCALING_PEERS.map((peer) => `${peer} B/entry`), "isr-plug × lru-cache"],
    sizes.map((entries) => [
      count(entries),
      ...SCALING_PEERS.map((peer) => fixed(bytes(peer, entries), 0)),
      ratio(bytes("isr-plug", entries) / bytes("lru-cache", entries)),
    ]),
    ["right", ...SCALING_PEERS.map((): Align => "right"), "right"],
  );
}

export function memoryChart(rows: readonly Row[]): Chart {
  return {
    file: "memory",
    title: "Heap per entry by entry count",
    xLabel: "entries",
    yLabel: "bytes per entry",
    series: SCALING_PEERS.map((peer) => ({
      name: peer,
      points: rows
        .filter((row) => row.peer === peer)
        .map((row) => ({ x: row.entries, y: row.sample.bytesPerEntry })),
    })),
  };
}

export const memory: Scenario = {
  name: "memory",
  async run({ peers, log }): Promise<ScenarioResult> {
    const rows: Row[] = [];
    for (const entries of config.memory.entries) {
      for (const peer of peers) {
        if (entries !== config.memory.allPeersAt && !SCALING_PEERS.includes(peer.name)) continue;
        const sample = await runChild<MemorySample>("bench/scenarios/memory-child.ts", [
          peer.name,
          String(entries),
        ]);
        rows.push({ peer: peer.name, entries, sample });
        log(`  ${peer.name}, ${count(entries)} entries: ${fixed(sample.bytesPerEntry, 0)} B/entry`);
      }
    }
    return {
      markdown:
        "### (e) Memory per entry\n\n" +
        "Heap used after `global.gc()`, filled cache minus empty process, divided by the entries. Keys and " +
        "values exist before the baseline, so this is what the library adds per entry (index, wrappers, copies " +
        "and capacity reserved up front for `max` = the entry count). One process per library and size.\n\n" +
        `${scalingTable(rows)}\n\n#### ${config.memory.allPeersAt.toLocaleString("en-US")} small entries, every library\n\n` +
        fullTable(rows.filter((row) => row.entries === config.memory.allPeersAt)),
      data: rows,
      charts: [memoryChart(rows)],
    };
  },
};

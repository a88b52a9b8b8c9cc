import { runChild } from "../lib/child.js";
import { config } from "../lib/config.js";
import { max, median, min } from "../lib/stats.js";
import { markdownTable, millions, ratio } from "../lib/table.js";
import type { Peer } from "../peers/types.js";
import type { Scenario, ScenarioResult } from "./scenario.js";
import type { ThroughputSample } from "./throughput-child.js";

interface Row {
  peer: string;
  call: string;
  version: string;
  keys: number;
  samples: number[];
  medianOpsPerSecond: number;
  timesFloor: number;
  timesLruCache: number;
}

/** The peers in round `round`'s order: each round starts one peer later, so none is always first. */
function rotate<T>(items: readonly T[], round: number): T[] {
  const shift = round % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

async function measure(peers: readonly Peer[], keys: number, log: (line: string) => void): Promise<Row[]> {
  const { rounds, warmupMs, measureMs } = config.throughput;
  const samples = new Map<string, number[]>(peers.map((peer) => [peer.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const peer of rotate(peers, round)) {
      const sample = await runChild<ThroughputSample>("bench/scenarios/throughput-child.ts", [
        peer.name,
        String(keys),
        String(warmupMs),
        String(measureMs),
      ]);
      if (sample.fetches !== keys) {
        throw new Error(
          `${peer.name}: ${sample.fetches} fetches for ${keys} keys: not all measured gets were fresh hits`,
        );
      }
      samples.get(peer.name)?.push(sample.opsPerSecond);
      log(
        `  round ${round + 1}/${rounds} ${peer.name} ${keys} key(s): ${millions(sample.opsPerSecond)} ops/s`,
      );
    }
  }
  const medianOf = (name: string) => median(samples.get(name) ?? []);
  const floor = medianOf("floor");
  const lru = medianOf("lru-cache");
  return peers.map((peer) => {
    const ops = medianOf(peer.name);
    return {
      peer: peer.name,
      call: peer.call,
      version: peer.version,
      keys,
      samples: samples.get(peer.name) ?? [],
      medianOpsPerSecond: ops,
      timesFloor: ops / floor,
      timesLruCache: ops / lru,
    };
  });
}

function table(rows: readonly Row[]): string {
  return markdownTable(
    ["library", "call", "version", "ops/s (median)", "× floor", "× lru-cache", "min–max"],
    rows.map((row) => [
      row.peer,
      row.call,
      row.version,
      millions(row.medianOpsPerSecond),
      ratio(row.timesFloor),
      ratio(row.timesLruCache),
      `${millions(min(row.samples))}–${millions(max(row.samples))}`,
    ]),
    ["left", "left", "left", "right", "right", "right", "right"],
  );
}

export const throughput: Scenario = {
  name: "throughput",
  async run({ peers, log }): Promise<ScenarioResult> {
    const { rounds, measureMs } = config.throughput;
    const sections: string[] = [];
    const data: Record<string, Row[]> = {};
    for (const keys of config.throughput.keyCounts) {
      const rows = await measure(peers, keys, log);
      data[`keys${keys}`] = rows;
      const label = keys === 1 ? "1 hot key" : `${keys.toLocaleString("en-US")} keys in random order`;
      sections.push(
        `### (a) Awaited fresh-hit get, ${label}\n\n` +
          `Each library alone in its own process, ${measureMs} ms per measurement after a warm-up, ` +
          `median of ${rounds} round(s) with the order rotated.\n\n${table(rows)}`,
      );
    }
    return { markdown: sections.join("\n\n"), data };
  },
};

import { max, median, min } from "simple-statistics";
import type { BurstResult } from "../lib/burst.js";
import type { Chart } from "../lib/chart.js";
import { runChild } from "../lib/child.js";
import { config } from "../lib/config.js";
import { type Align, count, fixed, spread, table } from "../lib/format.js";
import type { Scenario, ScenarioResult } from "./scenario.js";
import type { StampedeSample } from "./stampede-child.js";
import { SCALING_PEERS } from "./throughput.js";

interface Row {
  peer: string;
  concurrency: number;
  samples: StampedeSample[];
}

type Phase = "cold" | "stale" | "warmed";

/** Fetch counts are shown over rounds as min–max: one extra fetch in any round is a failure. */
function summarize(samples: readonly StampedeSample[], phase: Phase) {
  const bursts: BurstResult[] = samples.map((sample) => sample[phase]);
  return {
    fetches: spread(String(min(bursts.map((b) => b.fetches))), String(max(bursts.map((b) => b.fetches)))),
    p50Ms: median(bursts.map((b) => b.p50Ms)),
    p99Ms: median(bursts.map((b) => b.p99Ms)),
    p99Spread: spread(fixed(min(bursts.map((b) => b.p99Ms)), 2), fixed(max(bursts.map((b) => b.p99Ms)), 2)),
    servedOld: min(bursts.map((b) => b.servedOld)),
    errors: max(bursts.map((b) => b.errors)),
  };
}

/** The floor never goes stale: its "stale" bursts are hits, the least a burst of awaited gets costs. */
const labelOf = (peer: string) => (peer === "floor" ? "floor (hits: never stale)" : peer);

function fullTable(rows: readonly Row[], concurrency: number): string {
  return table(
    [
      "library",
      "cold: fetches",
      "cold p99 ms",
      "stale: fetches",
      "stale p50 ms",
      "stale p99 ms",
      "warmed stale p99 ms",
      "stale: served old value",
    ],
    rows.map((row) => {
      const cold = summarize(row.samples, "cold");
      const stale = summarize(row.samples, "stale");
      const warmed = summarize(row.samples, "warmed");
      const errors = cold.errors + stale.errors + warmed.errors;
      return [
        labelOf(row.peer),
        cold.fetches,
        fixed(cold.p99Ms, 1),
        stale.fetches,
        fixed(stale.p50Ms, 2),
        fixed(stale.p99Ms, 2),
        fixed(warmed.p99Ms, 2),
        `${stale.servedOld}/${concurrency}${errors > 0 ? ` (${errors} errors)` : ""}`,
      ];
    }),
    ["left", "right", "right", "right", "right", "right", "right", "right"],
  );
}

function scalingTable(rows: readonly Row[]): string {
  const concurrencies = config.stampede.concurrencies;
  const cell = (peer: string, concurrency: number, phase: Phase) => {
    const row = rows.find((r) => r.peer === peer && r.concurrency === concurrency);
    if (row === undefined) return "—";
    const summary = summarize(row.samples, phase);
    return `${fixed(summary.p99Ms, 2)} (${summary.p99Spread})`;
  };
  return table(
    [
      "library",
      ...concurrencies.map((c) => `${count(c)}: cold code`),
      ...concurrencies.map((c) => `${count(c)}: warmed`),
    ],
    SCALING_PEERS.map((peer) => [
      labelOf(peer),
      ...concurrencies.map((c) => cell(peer, c, "stale")),
      ...concurrencies.map((c) => cell(peer, c, "warmed")),
    ]),
    ["left", ...concurrencies.flatMap((): Align[] => ["right", "right"])],
  );
}

export function staleLatencyChart(rows: readonly Row[]): Chart {
  const line = (peer: string, phase: "stale" | "warmed") => ({
    name: `${peer} ${phase === "stale" ? "cold code" : "warmed"}`,
    dashed: phase === "warmed",
    points: rows
      .filter((row) => row.peer === peer)
      .map((row) => ({ x: row.concurrency, y: summarize(row.samples, phase).p99Ms })),
  });
  return {
    file: "stale-latency",
    title: "Stale-serve p99 latency by concurrent gets of one key",
    xLabel: "concurrent gets",
    yLabel: "p99 ms (median of rounds)",
    yLog: true,
    series: SCALING_PEERS.flatMap((peer) => [line(peer, "stale"), line(peer, "warmed")]),
  };
}

export const stampede: Scenario = {
  name: "stampede",
  async run({ peers, log }): Promise<ScenarioResult> {
    const { rounds, concurrencies, allPeersAt, fetchMs, ttlMs, warmBursts } = config.stampede;
    const rows: Row[] = [];
    for (const concurrency of concurrencies) {
      const contenders = peers.filter((peer) =>
        concurrency === allPeersAt ? true : SCALING_PEERS.includes(peer.name),
      );
      rows.push(...contenders.map((peer) => ({ peer: peer.name, concurrency, samples: [] })));
    }
    for (let round = 0; round < rounds; round++) {
      for (const row of round % 2 === 0 ? rows : [...rows].reverse()) {
        const sample = await runChild<StampedeSample>("bench/scenarios/stampede-child.ts", [
          row.peer,
          String(row.concurrency),
          String(fetchMs),
          String(ttlMs),
          String(warmBursts),
        ]);
        row.samples.push(sample);
        log(
          `  round ${round + 1}/${rounds} ${row.peer} ×${row.concurrency}: cold ${sample.cold.fetches} fetch(es); ` +
            `stale ${sample.stale.fetches} fetch(es) p99 ${fixed(sample.stale.p99Ms, 2)} ms, warmed ${fixed(sample.warmed.p99Ms, 2)} ms`,
        );
      }
    }
    const method =
      `Latency runs from each get's call to its answer, so a p99 is about the time to issue the whole burst. ` +
      `Fetch ${fetchMs} ms, ttl ${ttlMs} ms. Each library and concurrency in its own process, ${rounds} round(s) ` +
      "(order reversed every other round), medians. Cold: a key never fetched. Stale (cold code): the process's " +
      `second stale burst, the stale path barely run. Warmed: a stale burst after ${warmBursts} stale bursts on ` +
      "other keys. Fetches are counted after the refresh settled.";
    return {
      markdown:
        `### (b) Stampede and stale-serve latency\n\n${method}\n\n` +
        `#### Stale-serve p99 ms by concurrency (median, min–max over rounds)\n\n${scalingTable(rows)}\n\n` +
        `#### ${allPeersAt.toLocaleString("en-US")} concurrent gets of one key, every library\n\n` +
        fullTable(
          rows.filter((row) => row.concurrency === allPeersAt),
          allPeersAt,
        ),
      data: rows,
      charts: [staleLatencyChart(rows)],
    };
  },
};

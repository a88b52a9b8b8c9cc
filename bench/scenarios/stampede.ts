import type { BurstResult } from "../lib/burst.js";
import { runChild } from "../lib/child.js";
import { config } from "../lib/config.js";
import { max, median } from "../lib/stats.js";
import { fixed, markdownTable } from "../lib/table.js";
import type { Scenario, ScenarioResult } from "./scenario.js";
import type { StampedeSample } from "./stampede-child.js";

interface Row {
  peer: string;
  samples: StampedeSample[];
}

/** Fetch counts are shown as their maximum over rounds: one extra fetch in any round is a failure. */
function summarize(samples: readonly StampedeSample[], phase: "cold" | "stale") {
  const bursts: BurstResult[] = samples.map((sample) => sample[phase]);
  return {
    fetches: max(bursts.map((b) => b.fetches)),
    fetchesMin: Math.min(...bursts.map((b) => b.fetches)),
    p50Ms: median(bursts.map((b) => b.p50Ms)),
    p99Ms: median(bursts.map((b) => b.p99Ms)),
    servedOld: Math.min(...bursts.map((b) => b.servedOld)),
    errors: max(bursts.map((b) => b.errors)),
  };
}

function fetchCell(summary: ReturnType<typeof summarize>): string {
  return summary.fetches === summary.fetchesMin
    ? String(summary.fetches)
    : `${summary.fetchesMin}–${summary.fetches}`;
}

export const stampede: Scenario = {
  name: "stampede",
  async run({ peers, log }): Promise<ScenarioResult> {
    const { rounds, concurrency, fetchMs, ttlMs } = config.stampede;
    const contenders = peers.filter((peer) => peer.expires !== false);
    const rows: Row[] = contenders.map((peer) => ({ peer: peer.name, samples: [] }));
    for (let round = 0; round < rounds; round++) {
      for (const row of round % 2 === 0 ? rows : [...rows].reverse()) {
        const sample = await runChild<StampedeSample>("bench/scenarios/stampede-child.ts", [
          row.peer,
          String(concurrency),
          String(fetchMs),
          String(ttlMs),
        ]);
        row.samples.push(sample);
        log(
          `  round ${round + 1}/${rounds} ${row.peer}: cold ${sample.cold.fetches} fetch(es) p99 ${fixed(sample.cold.p99Ms, 1)} ms; ` +
            `stale ${sample.stale.fetches} fetch(es) p99 ${fixed(sample.stale.p99Ms, 2)} ms`,
        );
      }
    }
    const table = markdownTable(
      [
        "library",
        "cold: fetches",
        "cold p50 ms",
        "cold p99 ms",
        "stale: fetches",
        "stale p50 ms",
        "stale p99 ms",
        "stale: served old value",
      ],
      rows.map((row) => {
        const cold = summarize(row.samples, "cold");
        const stale = summarize(row.samples, "stale");
        return [
          row.peer,
          fetchCell(cold),
          fixed(cold.p50Ms, 1),
          fixed(cold.p99Ms, 1),
          fetchCell(stale),
          fixed(stale.p50Ms, 2),
          fixed(stale.p99Ms, 2),
          `${stale.servedOld}/${concurrency}${stale.errors > 0 || cold.errors > 0 ? ` (${cold.errors + stale.errors} errors)` : ""}`,
        ];
      }),
      ["left", "right", "right", "right", "right", "right", "right", "right"],
    );
    return {
      markdown:
        `### (b) Stampede: ${concurrency.toLocaleString("en-US")} concurrent gets of one key, fetch ${fetchMs} ms\n\n` +
        `Cold: the key was never fetched. Stale: its ttl (${ttlMs} ms) has passed, inside the stale window. ` +
        `Fetches counted after the refresh finished (the maximum over ${rounds} round(s)); latencies from each ` +
        `get's call to its answer, medians over rounds. Each library in its own process; ` +
        `a first key takes both bursts before the measured one, so the code is warm.\n\n${table}`,
      data: rows,
    };
  },
};

import { max, median, min } from "simple-statistics";
import type { Chart } from "../lib/chart.js";
import { runChild } from "../lib/child.js";
import { config } from "../lib/config.js";
import { type Align, count, millions, ratio, spread, table } from "../lib/format.js";
import type { Scenario, ScenarioResult } from "./scenario.js";
import type { ThroughputSample } from "./throughput-child.js";

/** What a throughput row measures: `spec` is what the child loads (see `loadPeer`). */
export interface Contender {
  spec: string;
  name: string;
  call: string;
  version: string;
}

export interface Row {
  peer: string;
  call: string;
  version: string;
  keys: number;
  samples: number[];
  medianOpsPerSecond: number;
  /** Median ops/s over the reference's median ops/s, by reference name. */
  ratios: Record<string, number>;
}

/** Which child measures a contender, and how: the fresh-hit loop unless a scenario brings its own. */
export interface Measurement {
  script: string;
  args: (contender: Contender) => string[];
  /** Throws when a sample shows the measurement was not what it claims (e.g. a miss among the hits). */
  check: (contender: Contender, sample: ThroughputSample) => void;
  label: string;
}

export function freshHits(keys: number): Measurement {
  const { warmupMs, measureMs } = config.throughput;
  return {
    script: "bench/scenarios/throughput-child.ts",
    args: (contender) => [contender.spec, String(keys), String(warmupMs), String(measureMs)],
    check: (contender, sample) => {
      if (sample.fetches !== keys)
        throw new Error(
          `${contender.name}: ${sample.fetches} fetches for ${keys} keys: not all measured gets were fresh hits`,
        );
    },
    label: `${count(keys)} key(s)`,
  };
}

/** The contenders in round `round`'s order: each round starts one later, so none is always first. */
export function rotate<T>(items: readonly T[], round: number): T[] {
  const shift = round % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

/** Median ops/s per contender over rotated rounds, each contender and round in a fresh process. */
export async function measureThroughput(
  contenders: readonly Contender[],
  keys: number,
  references: readonly string[],
  log: (line: string) => void,
  measurement: Measurement = freshHits(keys),
  rounds: number = config.throughput.rounds,
): Promise<Row[]> {
  const samples = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const contender of rotate(contenders, round)) {
      const sample = await runChild<ThroughputSample>(measurement.script, measurement.args(contender));
      measurement.check(contender, sample);
      samples.get(contender.name)?.push(sample.opsPerSecond);
      log(
        `  round ${round + 1}/${rounds} ${contender.name} ${measurement.label}: ${millions(sample.opsPerSecond)} ops/s`,
      );
    }
  }
  const medianOf = (name: string) => median(samples.get(name) ?? [Number.NaN]);
  return contenders.map((contender) => {
    const ops = medianOf(contender.name);
    return {
      peer: contender.name,
      call: contender.call,
      version: contender.version,
      keys,
      samples: samples.get(contender.name) ?? [],
      medianOpsPerSecond: ops,
      ratios: Object.fromEntries(
        references
          .filter((reference) => samples.has(reference))
          .map((reference) => [reference, ops / medianOf(reference)]),
      ),
    };
  });
}

export function throughputTable(
  rows: readonly Row[],
  references: readonly { name: string; label: string }[],
): string {
  return table(
    ["library", "call", "version", "ops/s (median)", ...references.map((r) => `× ${r.label}`), "min–max"],
    rows.map((row) => [
      row.peer,
      row.call,
      row.version,
      millions(row.medianOpsPerSecond),
      ...references.map((r) => ratio(row.ratios[r.name] ?? Number.NaN)),
      spread(millions(min(row.samples)), millions(max(row.samples))),
    ]),
    ["left", "left", "left", "right", ...references.map((): Align => "right"), "right"],
  );
}

/** The sentence every throughput table is read with. */
export function throughputMethod(): string {
  const { rounds, measureMs } = config.throughput;
  return (
    `Sequential \`await\` of fresh hits. Each library alone in a fresh process, ${measureMs} ms per measurement ` +
    `after a warm-up, median of ${rounds} rounds with the order rotated; ratios are of medians from this run.`
  );
}

const REFERENCES = [
  { name: "floor", label: "floor" },
  { name: "lru-cache", label: "lru-cache" },
];

/** The libraries drawn on every scaling curve: isr-plug, the library it is measured against, and the floor. */
export const SCALING_PEERS: readonly string[] = ["floor", "isr-plug", "lru-cache"];

export function throughputChart(rows: readonly Row[]): Chart {
  return {
    file: "throughput",
    title: "Awaited fresh-hit get: throughput by key count",
    xLabel: "keys (random order)",
    yLabel: "M ops/s (median)",
    yLog: true,
    series: SCALING_PEERS.map((peer) => ({
      name: peer,
      points: rows
        .filter((row) => row.peer === peer)
        .map((row) => ({ x: row.keys, y: row.medianOpsPerSecond / 1e6 })),
    })),
  };
}

/** The ratio table of the curve: isr-plug over lru-cache and over the floor at every key count. */
function scalingTable(rows: readonly Row[]): string {
  const keyCounts = [...new Set(rows.map((row) => row.keys))];
  const isr = (keys: number) => rows.find((row) => row.keys === keys && row.peer === "isr-plug");
  return table(
    ["keys", ...SCALING_PEERS.map((peer) => `${peer} M ops/s`), "isr-plug × lru-cache", "isr-plug × floor"],
    keyCounts.map((keys) => [
      count(keys),
      ...SCALING_PEERS.map((peer) =>
        millions(
          rows.find((row) => row.keys === keys && row.peer === peer)?.medianOpsPerSecond ?? Number.NaN,
        ),
      ),
      ratio(isr(keys)?.ratios["lru-cache"] ?? Number.NaN),
      ratio(isr(keys)?.ratios.floor ?? Number.NaN),
    ]),
    ["right", ...SCALING_PEERS.map((): Align => "right"), "right", "right"],
  );
}

export const throughput: Scenario = {
  name: "throughput",
  async run({ peers, log }): Promise<ScenarioResult> {
    const sections: string[] = [];
    const rows: Row[] = [];
    const all = peers.map((peer) => ({ spec: peer.name, ...peer }));
    for (const keys of config.throughput.keyCounts) {
      const everyPeer = config.throughput.allPeersAt.includes(keys);
      const contenders = everyPeer ? all : all.filter((c) => SCALING_PEERS.includes(c.name));
      const measured = await measureThroughput(
        contenders,
        keys,
        REFERENCES.map((r) => r.name),
        log,
      );
      rows.push(...measured);
      if (!everyPeer) continue;
      const label = keys === 1 ? "1 hot key" : `${keys.toLocaleString("en-US")} keys in random order`;
      sections.push(`#### ${label}, every library\n\n${throughputTable(measured, REFERENCES)}`);
    }
    return {
      markdown:
        `### (a) Awaited fresh-hit get\n\n${throughputMethod()} Keys are read in a seeded random ` +
        "sequence of 65,536 reads, or as many reads as keys (rounded up to a power of two), repeated.\n\n" +
        `#### Scaling: ${SCALING_PEERS.join(", ")}\n\n${scalingTable(rows)}\n\n${sections.join("\n\n")}`,
      data: rows,
      charts: [throughputChart(rows)],
    };
  },
};

import { runChild } from "../lib/child.js";
import { config } from "../lib/config.js";
import { max, median, min } from "../lib/stats.js";
import { type Align, markdownTable, millions, ratio } from "../lib/table.js";
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

/** The contenders in round `round`'s order: each round starts one later, so none is always first. */
function rotate<T>(items: readonly T[], round: number): T[] {
  const shift = round % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

/** Median ops/s per contender over rotated rounds, each contender and round in a fresh process. */
export async function measureThroughput(
  contenders: readonly Contender[],
  keys: number,
  references: readonly string[],
  log: (line: string) => void,
): Promise<Row[]> {
  const { rounds, warmupMs, measureMs } = config.throughput;
  const samples = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const contender of rotate(contenders, round)) {
      const sample = await runChild<ThroughputSample>("bench/scenarios/throughput-child.ts", [
        contender.spec,
        String(keys),
        String(warmupMs),
        String(measureMs),
      ]);
      if (sample.fetches !== keys) {
        throw new Error(
          `${contender.name}: ${sample.fetches} fetches for ${keys} keys: not all measured gets were fresh hits`,
        );
      }
      samples.get(contender.name)?.push(sample.opsPerSecond);
      log(
        `  round ${round + 1}/${rounds} ${contender.name} ${keys} key(s): ${millions(sample.opsPerSecond)} ops/s`,
      );
    }
  }
  const medianOf = (name: string) => median(samples.get(name) ?? []);
  return contenders.map((contender) => {
    const ops = medianOf(contender.name);
    return {
      peer: contender.name,
      call: contender.call,
      version: contender.version,
      keys,
      samples: samples.get(contender.name) ?? [],
      medianOpsPerSecond: ops,
      ratios: Object.fromEntries(references.map((reference) => [reference, ops / medianOf(reference)])),
    };
  });
}

export function throughputTable(
  rows: readonly Row[],
  references: readonly { name: string; label: string }[],
): string {
  return markdownTable(
    ["library", "call", "version", "ops/s (median)", ...references.map((r) => `× ${r.label}`), "min–max"],
    rows.map((row) => [
      row.peer,
      row.call,
      row.version,
      millions(row.medianOpsPerSecond),
      ...references.map((r) => ratio(row.ratios[r.name] ?? Number.NaN)),
      `${millions(min(row.samples))}–${millions(max(row.samples))}`,
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

export const throughput: Scenario = {
  name: "throughput",
  async run({ peers, log }): Promise<ScenarioResult> {
    const sections: string[] = [];
    const data: Record<string, Row[]> = {};
    const contenders = peers.map((peer) => ({ spec: peer.name, ...peer }));
    for (const keys of config.throughput.keyCounts) {
      const rows = await measureThroughput(
        contenders,
        keys,
        REFERENCES.map((r) => r.name),
        log,
      );
      data[`keys${keys}`] = rows;
      const label = keys === 1 ? "1 hot key" : `${keys.toLocaleString("en-US")} keys in random order`;
      sections.push(
        `### (a) Awaited fresh-hit get, ${label}\n\n${throughputMethod()}\n\n${throughputTable(rows, REFERENCES)}`,
      );
    }
    return { markdown: sections.join("\n\n"), data };
  },
};

import { runChild } from "../lib/child.js";
import { config } from "../lib/config.js";
import { fixed, markdownTable, ratio } from "../lib/table.js";
import type { MemorySample } from "./memory-child.js";
import type { Scenario, ScenarioResult } from "./scenario.js";

export const memory: Scenario = {
  name: "memory",
  async run({ peers, log }): Promise<ScenarioResult> {
    const { entries } = config.memory;
    const rows: { peer: string; sample: MemorySample }[] = [];
    for (const peer of peers) {
      const sample = await runChild<MemorySample>("bench/scenarios/memory-child.ts", [
        peer.name,
        String(entries),
      ]);
      rows.push({ peer: peer.name, sample });
      log(`  ${peer.name}: ${fixed(sample.bytesPerEntry, 0)} B/entry`);
    }
    const floor = rows.find((row) => row.peer === "floor")?.sample.bytesPerEntry ?? Number.NaN;
    const table = markdownTable(
      ["library", "bytes per entry", "× floor", "heap delta MB", "entries kept"],
      rows.map(({ peer, sample }) => [
        peer,
        fixed(sample.bytesPerEntry, 0),
        ratio(sample.bytesPerEntry / floor),
        fixed(sample.heapDeltaBytes / 2 ** 20, 1),
        sample.refetched === 0 ? "all" : `${sample.refetched} of a 1/97 sample refetched`,
      ]),
      ["left", "right", "right", "right", "left"],
    );
    return {
      markdown:
        `### (e) Memory per entry, ${entries.toLocaleString("en-US")} small entries\n\n` +
        "Heap used after `global.gc()`, filled cache minus empty process, divided by the entries. Keys and " +
        "values exist before the baseline, so this is what the library adds per entry (index, wrappers, copies " +
        "and capacity reserved up front for `max` = the entry count).\n\n" +
        table,
      data: rows,
    };
  },
};

/**
 * `npm run bench`: every scenario, one markdown section each on stdout (progress on stderr);
 * everything measured in bench/results/<timestamp>.json, the curves beside it as
 * <timestamp>-<chart>.svg, and, for a full (not quick) run, also as bench/results/charts/<chart>.svg,
 * the copies docs/performance.md shows.
 * Usage: node --expose-gc --import tsx bench/run.ts [scenario ...]   (BENCH_QUICK=1: smoke run)
 */
import { mkdirSync, writeFileSync } from "node:fs";
import type { Chart } from "./lib/chart.js";
import { writeCharts } from "./lib/chart.js";
import { config } from "./lib/config.js";
import { describeMachine } from "./lib/machine.js";
import { revision } from "./lib/revision.js";
import { loadPeers } from "./peers/index.js";
import { eviction } from "./scenarios/eviction.js";
import { http } from "./scenarios/http.js";
import { instructions } from "./scenarios/instructions.js";
import { memory } from "./scenarios/memory.js";
import { pages } from "./scenarios/pages.js";
import { redis } from "./scenarios/redis.js";
import type { Scenario } from "./scenarios/scenario.js";
import { stampede } from "./scenarios/stampede.js";
import { throughput } from "./scenarios/throughput.js";

const SCENARIOS: readonly Scenario[] = [
  throughput,
  stampede,
  http,
  pages,
  redis,
  memory,
  eviction,
  instructions,
];
/** Minutes under valgrind: a quick run leaves it out unless it is named. */
const SLOW_IN_QUICK = new Set(["instructions"]);

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !SCENARIOS.some((scenario) => scenario.name === name));
if (unknown.length > 0) {
  console.error(
    `unknown scenario(s): ${unknown.join(", ")}; known: ${SCENARIOS.map((s) => s.name).join(", ")}`,
  );
  process.exit(2);
}
const selected = SCENARIOS.filter((scenario) =>
  wanted.length > 0 ? wanted.includes(scenario.name) : !(config.quick && SLOW_IN_QUICK.has(scenario.name)),
);

const machine = describeMachine();
const peers = await loadPeers();
const log = (line: string) => console.error(line);
const started = new Date();
const isrPlug = revision();
console.log(
  `# isr-plug benchmark\n\n${machine.cores} cores, ${machine.cpuModel}, Node ${machine.node} (${machine.platform}), ` +
    `isr-plug at ${isrPlug}, ${started.toISOString()}, load average at start ${machine.loadAverage}` +
    `${config.quick ? " — QUICK smoke run, numbers not for quoting" : ""}\n`,
);
for (const name of SLOW_IN_QUICK) {
  if (config.quick && wanted.length === 0)
    console.log(
      `### ${name}\n\nskipped in a quick run (minutes under valgrind): \`npm run bench -- ${name}\`.\n`,
    );
}

const results: Record<string, unknown> = {};
const charts: Chart[] = [];
let failed = false;
for (const scenario of selected) {
  log(`\n== ${scenario.name}`);
  const t0 = performance.now();
  try {
    const result = await scenario.run({ peers, log });
    results[scenario.name] = result.data;
    charts.push(...(result.charts ?? []));
    console.log(`${result.markdown}\n`);
  } catch (error) {
    failed = true;
    results[scenario.name] = { error: error instanceof Error ? error.message : String(error) };
    console.log(
      `### ${scenario.name}\n\nFAILED: ${error instanceof Error ? error.message : String(error)}\n`,
    );
  }
  log(`== ${scenario.name} took ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

const finished = new Date();
const dir = new URL("./results/", import.meta.url);
mkdirSync(dir, { recursive: true });
const stamp = started.toISOString().replace(/[:.]/g, "-");
const file = new URL(`${stamp}.json`, dir);
writeFileSync(
  file,
  `${JSON.stringify(
    {
      machine,
      isrPlug,
      started: started.toISOString(),
      finished: finished.toISOString(),
      loadAverageAtEnd: describeMachine().loadAverage,
      config,
      results,
    },
    null,
    2,
  )}\n`,
);
const written = writeCharts(charts, dir, `${stamp}-`);
if (!config.quick && charts.length > 0) {
  const chartsDir = new URL("./charts/", dir);
  mkdirSync(chartsDir, { recursive: true });
  writeCharts(charts, chartsDir, "");
}
console.log(
  `Results: bench/results/${stamp}.json${written.map((name) => `, bench/results/${name}`).join("")} ` +
    `(${((finished.getTime() - started.getTime()) / 60000).toFixed(1)} min, load average at end ${describeMachine().loadAverage})`,
);
if (failed) process.exitCode = 1;

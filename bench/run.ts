/**
 * `npm run bench`: every scenario, one markdown table each on stdout (progress on stderr),
 * and everything measured in bench/results/<timestamp>.json.
 * Usage: node --expose-gc --import tsx bench/run.ts [scenario ...]   (BENCH_QUICK=1: smoke run)
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { config } from "./lib/config.js";
import { describeMachine } from "./lib/machine.js";
import { revision } from "./lib/revision.js";
import { loadPeers } from "./peers/index.js";
import { http } from "./scenarios/http.js";
import { memory } from "./scenarios/memory.js";
import { redis } from "./scenarios/redis.js";
import type { Scenario } from "./scenarios/scenario.js";
import { stampede } from "./scenarios/stampede.js";
import { throughput } from "./scenarios/throughput.js";

const SCENARIOS: readonly Scenario[] = [throughput, stampede, http, redis, memory];

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !SCENARIOS.some((scenario) => scenario.name === name));
if (unknown.length > 0) {
  console.error(
    `unknown scenario(s): ${unknown.join(", ")}; known: ${SCENARIOS.map((s) => s.name).join(", ")}`,
  );
  process.exit(2);
}
const selected = SCENARIOS.filter((scenario) => wanted.length === 0 || wanted.includes(scenario.name));

const machine = describeMachine();
const peers = await loadPeers();
const log = (line: string) => console.error(line);
const started = new Date();
const isrPlug = revision();
console.log(
  `# isr-plug benchmark\n\n${machine.cores} cores, ${machine.cpuModel}, Node ${machine.node} (${machine.platform}), ` +
    `isr-plug at ${isrPlug}, ${started.toISOString()}${config.quick ? " — QUICK smoke run, numbers not for quoting" : ""}\n`,
);

const results: Record<string, unknown> = {};
let failed = false;
for (const scenario of selected) {
  log(`\n== ${scenario.name}`);
  const t0 = performance.now();
  try {
    const result = await scenario.run({ peers, log });
    results[scenario.name] = result.data;
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

const dir = new URL("./results/", import.meta.url);
mkdirSync(dir, { recursive: true });
const file = new URL(`${started.toISOString().replace(/[:.]/g, "-")}.json`, dir);
writeFileSync(
  file,
  `${JSON.stringify({ machine, isrPlug, started: started.toISOString(), config, results }, null, 2)}\n`,
);
console.log(`Results: bench/results/${file.pathname.split("/").pop()}`);
if (failed) process.exitCode = 1;

/**
 * Instructions per awaited fresh-hit get, counted by valgrind (callgrind) with V8 in its
 * `--predictable` mode: unlike time, the count does not move when other processes load the
 * machine, so it tells whether a change made a hit cheaper even on a noisy two-core box.
 * Each peer runs twice, after the same warm-up, with 0 and with N gets; the difference over
 * N is one get. Skipped, with the reason in the table, when valgrind is not installed.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { ROOT } from "../lib/child.js";
import { config } from "../lib/config.js";
import { count, ratio, table, thousands } from "../lib/format.js";
import type { Scenario, ScenarioResult } from "./scenario.js";

const PEERS = ["floor", "isr-plug", "lru-cache"] as const;
/** Git-ignored, like every result. */
const BUILD_DIR = `${ROOT}bench/results/build`;

function valgrindVersion(): string | undefined {
  const found = spawnSync("valgrind", ["--version"], { encoding: "utf8" });
  return found.status === 0 ? found.stdout.trim() : undefined;
}

/**
 * One file (libraries left external) so plain node runs it: tsx under valgrind takes minutes
 * to start. Also the file to profile by hand (docs/performance.md, "How to profile").
 */
function build(): string {
  execFileSync(
    `${ROOT}node_modules/.bin/tsup`,
    [
      "bench/scenarios/instructions-child.ts",
      // The source map leads a CPU profile of the same build back to src/ (docs/performance.md, "How to profile").
      ...[
        "--format",
        "esm",
        "--target",
        "node20",
        "--sourcemap",
        "--no-splitting",
        "--no-config",
        "--silent",
      ],
      ...["--out-dir", BUILD_DIR, "--external", "lru-cache"],
    ],
    { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] },
  );
  return `${BUILD_DIR}/instructions-child.js`;
}

/** Instructions of one whole run (start-up, fill, warm-up, then `gets` gets). */
function countInstructions(script: string, peer: string, keys: number, gets: number): Promise<number> {
  const args = [
    "--tool=callgrind",
    // JIT-compiled code rewrites itself: valgrind must notice.
    "--smc-check=all-non-file",
    "--callgrind-out-file=/dev/null",
    process.execPath,
    // V8 on one thread with deterministic GC and compilation: without it, background compile
    // and GC work lands in one run or the other and two identical runs differ by 2×.
    "--predictable",
    script,
    peer,
    String(keys),
    String(config.instructions.warmupGets),
    String(gets),
  ];
  return new Promise((resolve, reject) => {
    const run = spawn("valgrind", args, { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    run.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    run.on("error", reject);
    run.on("close", (code) => {
      const collected = /Collected\s*:\s*(\d+)/.exec(stderr)?.[1];
      if (code !== 0 || collected === undefined) reject(new Error(`valgrind failed for ${peer}:\n${stderr}`));
      else resolve(Number(collected));
    });
  });
}

interface Row {
  peer: string;
  keys: number;
  perGet: number;
}

export const instructions: Scenario = {
  name: "instructions",
  async run({ log }): Promise<ScenarioResult> {
    const version = valgrindVersion();
    if (version === undefined) {
      const why = "valgrind is not installed (apt-get install valgrind)";
      log(`  skipped: ${why}`);
      return {
        markdown: `### (g) Instructions per get\n\nskipped: ${why}.`,
        data: { skipped: why },
      };
    }
    const script = build();
    const { gets, keyCounts } = config.instructions;
    const rows: Row[] = [];
    for (const keys of keyCounts) {
      for (const peer of PEERS) {
        // The two runs of a pair are independent: on two cores they run side by side.
        const [base, full] = await Promise.all([
          countInstructions(script, peer, keys, 0),
          countInstructions(script, peer, keys, gets),
        ]);
        rows.push({ peer, keys, perGet: (full - base) / gets });
        log(`  ${peer}, ${count(keys)} key(s): ${thousands((full - base) / gets)} instructions per get`);
      }
    }
    const perGet = (peer: string, keys: number) =>
      rows.find((row) => row.peer === peer && row.keys === keys)?.perGet ?? Number.NaN;
    const markdown =
      "### (g) Instructions per awaited fresh-hit get\n\n" +
      `${version} (callgrind), Node ${process.version}, V8 in \`--predictable\` mode (one thread); ` +
      `(run with ${thousands(gets)} gets − run with none, both after the same ${thousands(config.instructions.warmupGets)}-get warm-up) / ` +
      `${thousands(gets)}, bench loop included. Fewer is faster; unlike time, this does not move with the machine's load.\n\n` +
      table(
        [
          "library",
          ...keyCounts.map((k) => `${count(k)} key(s)`),
          ...keyCounts.map((k) => `× floor, ${count(k)}`),
        ],
        PEERS.map((peer) => [
          peer,
          ...keyCounts.map((k) => thousands(perGet(peer, k))),
          ...keyCounts.map((k) => ratio(perGet(peer, k) / perGet("floor", k))),
        ]),
        ["left", ...keyCounts.flatMap(() => ["right", "right"] as const)],
      );
    return { markdown, data: rows };
  },
};

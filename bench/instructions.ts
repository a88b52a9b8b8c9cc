/**
 * Instructions per awaited fresh-hit get, counted by valgrind (callgrind) with V8 in its
 * `--predictable` mode: unlike time, the count does not move when other processes load the
 * machine, so it tells whether a change to the engine made a hit cheaper even on a noisy
 * two-core box. Each peer runs
 * twice, with 0 and with N gets after the same warm-up; the difference over N is one get.
 * Opt-in (a few minutes): node --import tsx bench/instructions.ts
 */
import { execFileSync, spawnSync } from "node:child_process";
import { ROOT } from "./lib/child.js";
import { markdownTable, ratio, thousands } from "./lib/table.js";
import { BUNDLE_DIR } from "./profiling/bundle.js";

const GETS = 200_000;
// node --import tsx bench/instructions.ts [peer,peer] [keys,keys]
const PEERS = (process.argv[2] ?? "floor,lru-cache,isr-plug").split(",");
const KEY_COUNTS = (process.argv[3] ?? "1,10000").split(",").map(Number);

function valgrindVersion(): string | undefined {
  const found = spawnSync("valgrind", ["--version"], { encoding: "utf8" });
  return found.status === 0 ? found.stdout.trim() : undefined;
}

/** One file, libraries left external, so plain node (no tsx) runs it under valgrind. */
function build(): string {
  execFileSync(
    `${ROOT}node_modules/.bin/tsup`,
    [
      "bench/profiling/instructions-child.ts",
      "--format",
      "esm",
      "--target",
      "node20",
      "--no-splitting",
      "--out-dir",
      BUNDLE_DIR,
      "--no-config",
      "--silent",
      ...["lru-cache", "bentocache", "async-cache-dedupe", "cache-manager"].flatMap((name) => [
        "--external",
        name,
      ]),
    ],
    { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] },
  );
  return `${BUNDLE_DIR}/instructions-child.js`;
}

function instructions(script: string, peer: string, keys: number, gets: number): number {
  const run = spawnSync(
    "valgrind",
    [
      "--tool=callgrind",
      // JIT-compiled code rewrites itself: valgrind must notice.
      "--smc-check=all-non-file",
      "--callgrind-out-file=/dev/null",
      process.execPath,
      // V8 on one thread with deterministic GC and compilation: without it, background
      // compile and GC work lands in one run or the other and two identical runs differ by 2x.
      "--predictable",
      script,
      peer,
      String(keys),
      String(gets),
    ],
    { cwd: ROOT, encoding: "utf8" },
  );
  const collected = /Collected\s*:\s*(\d+)/.exec(run.stderr)?.[1];
  if (run.status !== 0 || collected === undefined)
    throw new Error(`valgrind failed for ${peer}:\n${run.stderr.slice(-2000)}`);
  return Number(collected);
}

const version = valgrindVersion();
if (version === undefined) {
  console.log("skipped: valgrind is not installed");
} else {
  const script = build();
  for (const keys of KEY_COUNTS) {
    const perGet = new Map<string, number>();
    for (const peer of PEERS) {
      const base = instructions(script, peer, keys, 0);
      const full = instructions(script, peer, keys, GETS);
      perGet.set(peer, (full - base) / GETS);
      console.error(`  ${peer}, ${keys} key(s): ${thousands((full - base) / GETS)} instructions per get`);
    }
    const floor = perGet.get("floor") ?? Number.NaN;
    const lru = perGet.get("lru-cache") ?? Number.NaN;
    console.log(
      `### Instructions per awaited fresh-hit get, ${keys === 1 ? "1 key" : `${keys.toLocaleString("en-US")} keys in random order`}\n\n` +
        `${version} (callgrind), Node ${process.version}; (run with ${thousands(GETS)} gets − run with none) / ${thousands(GETS)}, ` +
        "bench loop included, V8 in --predictable mode (one thread). Fewer is faster; unlike time, this does " +
        "not move with the machine's load (two identical runs agree to a few hundred instructions in a billion).\n\n" +
        markdownTable(
          ["library", "instructions per get", "× floor", "× lru-cache"],
          PEERS.map((peer) => {
            const count = perGet.get(peer) ?? Number.NaN;
            return [peer, thousands(count), ratio(count / floor), ratio(count / lru)];
          }),
          ["left", "right", "right", "right"],
        ) +
        "\n",
    );
  }
}

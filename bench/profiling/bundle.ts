import { execFileSync } from "node:child_process";
import { ROOT } from "../lib/child.js";

/** Where the profiling build of isr-plug goes (git-ignored, like every result). */
export const BUNDLE_DIR = `${ROOT}bench/results/build`;

/**
 * Builds src/index.ts with tsup (the package's own bundler, same target as the package)
 * into one readable ESM file with a source map. tsx, which the bench otherwise runs
 * through, emits each module on one line, so a profile of it has no line numbers; this
 * build keeps them, and the source map leads back to src/.
 */
export function buildBundle(): string {
  execFileSync(
    `${ROOT}node_modules/.bin/tsup`,
    [
      "src/index.ts",
      "--format",
      "esm",
      "--target",
      "node20",
      "--sourcemap",
      "--no-splitting",
      "--out-dir",
      BUNDLE_DIR,
      "--no-config",
      "--silent",
    ],
    { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] },
  );
  return `${BUNDLE_DIR}/index.js`;
}

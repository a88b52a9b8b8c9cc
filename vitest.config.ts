import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Two cores: keep parallelism modest so timing-sensitive HTTP tests are not starved.
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // An unhandled rejection anywhere fails the run (this is Vitest's default; kept explicit).
    dangerouslyIgnoreUnhandledErrors: false,
    setupFiles: ["test/setup.ts"],
    // Lets memory-bound tests measure the heap after a real collection.
    execArgv: ["--expose-gc"],
  },
});

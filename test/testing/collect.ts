import type { MakeStoreHarness } from "../../src/testing.js";
import { storeConformance } from "../../src/testing.js";

export interface CollectedTest {
  name: string;
  run(): Promise<void>;
}

/** The tests the published suite registers, taken with a runner of our own instead of Vitest's. */
export function collectSuite(makeHarness: MakeStoreHarness): CollectedTest[] {
  const tests: CollectedTest[] = [];
  storeConformance("collected", makeHarness, {
    describe: (_name, body) => body(),
    it: (name, run) => tests.push({ name, run }),
  });
  return tests;
}

/** The names of the tests that fail, in the suite's order. */
export async function failingTests(makeHarness: MakeStoreHarness): Promise<string[]> {
  const failing: string[] = [];
  for (const test of collectSuite(makeHarness)) {
    await test.run().catch(() => failing.push(test.name));
  }
  return failing;
}

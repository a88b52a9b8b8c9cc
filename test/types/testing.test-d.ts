// Type tests, checked by `npm run typecheck` (tsc): the runners this repository has at hand fit
// isr-plug/testing's `TestRunner` as they are, and a harness is typed. Never executed.
import * as nodeTest from "node:test";
import * as vitest from "vitest";
import { createMemoryStore } from "../../src/index.js";
import { storeConformance, type TestRunner } from "../../src/testing.js";

const fromNodeTest: TestRunner = { describe: nodeTest.describe, it: nodeTest.it };
const fromVitest: TestRunner = { describe: vitest.describe, it: vitest.it };
// node:test's and Vitest's `test` work as `it`, too.
({ describe: nodeTest.describe, it: nodeTest.test }) satisfies TestRunner;
({ describe: vitest.describe, it: vitest.test }) satisfies TestRunner;

storeConformance("typed", (clock) => ({ store: createMemoryStore({ now: clock.now }) }), fromNodeTest);
storeConformance("typed", async () => ({ store: createMemoryStore(), expire: async () => {} }), fromVitest);

// @ts-expect-error a harness must hold a store
storeConformance("untyped", () => ({}), fromVitest);
// @ts-expect-error the runner is required: the suite registers its tests with it
storeConformance("no runner", () => ({ store: createMemoryStore() }));

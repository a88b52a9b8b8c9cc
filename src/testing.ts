/**
 * `isr-plug/testing`: the conformance suite every `Store` passes, for people who write their
 * own. It registers its tests with the runner's own `describe` and `it` and asserts with
 * `node:assert/strict`, so it depends on no test runner; `node:assert` is its only Node import.
 */
export type { MakeStoreHarness, ManualClock, StoreHarness, TestRunner } from "./testing/harness.js";
export { storeConformance } from "./testing/store-conformance.js";

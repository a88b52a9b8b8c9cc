/**
 * `isr-plug/inspector`: a live page and JSON endpoint showing engines' entries, rates and
 * histograms, with invalidate (by key or tag) and revalidate actions, and a fleet view of a
 * shared store. Web-standard (no Node built-ins); its Node handler only adapts req/res.
 */
export type { DurationSummary } from "./inspector/durations.js";
export { FLEET_LIMIT, type FleetEntry, type FleetView } from "./inspector/fleet.js";
export { createInspector, FLEET_EVERY_MS, type Inspector } from "./inspector/handler.js";
export type { NodeNext, NodeRequestLike, NodeResponseLike } from "./inspector/node.js";
export {
  DEFAULT_BASE_PATH,
  type InspectableEngine,
  type InspectorAuthorize,
  type InspectorOptions,
} from "./inspector/options.js";
export { RATE_WINDOWS_MS, type Rates, type RateWindow } from "./inspector/rates.js";
export { SESSION_COOKIE, SESSION_MS } from "./inspector/session.js";
export {
  type InspectorEntry,
  type InspectorNamespace,
  type InspectorSnapshot,
  MAX_VALUE_CHARS,
} from "./inspector/snapshot.js";
export { inspect } from "./observe/inspection.js";

/**
 * `isr-plug/inspector`: a live page and JSON endpoint showing engines' entries, with
 * invalidate and revalidate actions. Web-standard (no Node built-ins); its Node handler
 * only adapts req/res.
 */
export { createInspector, type Inspector } from "./inspector/handler.js";
export type { NodeNext, NodeRequestLike, NodeResponseLike } from "./inspector/node.js";
export {
  DEFAULT_BASE_PATH,
  type InspectableEngine,
  type InspectorAuthorize,
  type InspectorOptions,
} from "./inspector/options.js";
export {
  type InspectorEntry,
  type InspectorNamespace,
  type InspectorSnapshot,
  MAX_VALUE_CHARS,
} from "./inspector/snapshot.js";

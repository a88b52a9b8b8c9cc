export type { IsrInfo } from "./adapters/plug.js";
export { createIsr, type InspectedEntry, type Isr, type IsrResult, type IsrState } from "./engine.js";
export {
  IsrClosedError,
  IsrError,
  IsrFetchError,
  IsrKeyRejectedError,
  IsrOverloadedError,
  IsrTimeoutError,
} from "./errors.js";
export { type CacheKey, DEFAULT_CACHE_KEY } from "./key.js";
export type { Logger } from "./log.js";
export { CHANNEL_PREFIX } from "./observe/channels.js";
export type { IsrEventName, IsrEvents, IsrListener } from "./observe/events.js";
export { AGE_BUCKETS_MS, type HistogramSnapshot, type IsrStats } from "./observe/stats.js";
export {
  DEFAULTS,
  type ErrorBackoffOptions,
  type FetchContext,
  type IsrOptions,
  type ValueTtls,
} from "./options.js";
export {
  createMemoryStore,
  DEFAULT_MEMORY_MAX,
  type MemoryStore,
  type MemoryStoreOptions,
} from "./stores/memory.js";
export type { EvictionReason, FetchPurpose, Store, StoreEntry } from "./stores/store.js";
export type { InvalidationMode } from "./tags.js";

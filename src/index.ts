export type { IsrInfo } from "./adapters/plug.js";
export { createIsr, type InspectedEntry, type Isr, type IsrResult, type IsrState } from "./engine.js";
export {
  IsrClosedError,
  IsrDeadlockError,
  IsrError,
  IsrFetchError,
  IsrKeyRejectedError,
  IsrOverloadedError,
  IsrRedisUnavailableError,
  IsrStoreError,
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
export { RENDER_MARKER_HEADER, ResponseCache, type ResponseOutcome } from "./response/cache.js";
export { type PageRequest, RESPONSE_DEFAULTS, type ResponseCacheOptions } from "./response/options.js";
export type { PageValue, StoredPage } from "./response/page.js";
export type { RevalidationMode, RevalidationTarget } from "./response/target.js";
export {
  createMemoryStore,
  DEFAULT_MEMORY_MAX,
  type MemoryStore,
  type MemoryStoreOptions,
} from "./stores/memory.js";
export type {
  CoordinateContext,
  EvictionReason,
  FetchPurpose,
  Store,
  StoreEntry,
  TagChannel,
  TagInvalidation,
} from "./stores/store.js";
export type { InvalidationMode } from "./tags.js";

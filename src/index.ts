export type { IsrInfo } from "./adapters/plug.js";
export { createIsr, type Isr, type IsrResult, type IsrState } from "./engine.js";
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
export type { FetchPurpose, Store, StoreEntry } from "./stores/store.js";
export type { InvalidationMode } from "./tags.js";

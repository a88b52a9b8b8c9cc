export type { IsrInfo } from "./adapters/plug.js";
export { createIsr, type Isr, type IsrResult, type IsrState } from "./engine.js";
export { IsrClosedError, IsrError, IsrFetchError, IsrTimeoutError } from "./errors.js";
export { type CacheKey, DEFAULT_CACHE_KEY } from "./key.js";
export type { Logger } from "./log.js";
export { DEFAULTS, type FetchContext, type IsrOptions } from "./options.js";
export {
  createMemoryStore,
  DEFAULT_MEMORY_MAX,
  type MemoryStore,
  type MemoryStoreOptions,
} from "./stores/memory.js";
export type { Store, StoreEntry } from "./stores/store.js";

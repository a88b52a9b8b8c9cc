/** The memory store's public surface; the store itself lives in ./memory/. */
export {
  createMemoryStore,
  DEFAULT_MEMORY_MAX,
  defaultStore,
  estimateEntrySize,
  type HeldTable,
  MEMORY_TABLE,
  type MemoryStore,
  type MemoryStoreOptions,
} from "./memory/store.js";

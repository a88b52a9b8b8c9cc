// A flawed Store for the suite to catch: it keeps entries as JSON text, which turns the
// Infinity of a value that never goes stale into null.
import { createMyStore } from "./my-store.js";

/** @param {{ now?: () => number }} [options] */
export function createJsonStore(options) {
  const text = createMyStore(options);
  return {
    get: (key) => {
      const json = text.get(key);
      return json === undefined ? undefined : JSON.parse(json);
    },
    set: (key, entry, ttlMs) => text.set(key, JSON.stringify(entry), ttlMs),
    delete: (key) => text.delete(key),
    close: () => text.close(),
  };
}

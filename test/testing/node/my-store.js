// The smallest honest Store, as a reader of docs/API.md would write one: a Map whose entries
// expire after their ttlMs on the clock it is given. The published suite runs against it.

/** @param {{ now?: () => number }} [options] */
export function createMyStore({ now = Date.now } = {}) {
  /** @type {Map<string, { entry: unknown, until: number }>} */
  const entries = new Map();
  return {
    get(key) {
      const held = entries.get(key);
      if (held === undefined) return undefined;
      if (now() < held.until) return held.entry;
      entries.delete(key);
      return undefined;
    },
    set(key, entry, ttlMs) {
      if (ttlMs > 0) entries.set(key, { entry, until: now() + ttlMs });
      else entries.delete(key);
    },
    delete(key) {
      entries.delete(key);
    },
    close() {
      entries.clear();
    },
  };
}

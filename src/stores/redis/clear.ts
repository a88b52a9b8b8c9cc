import type { RedisConnection } from "./client.js";
import type { KeySpace } from "./keys.js";

const SCAN_COUNT = "500";

/**
 * Deletes every key of the prefix — `SCAN` + `UNLINK` on each master (never `KEYS` or
 * `FLUSHALL`) — then publishes `message` (a clear). `required` runs a command that must go
 * through (it rejects when Redis is unusable).
 */
export async function clearPrefix(
  client: RedisConnection,
  keys: KeySpace,
  message: string,
  required: <T>(command: () => Promise<T>) => Promise<T>,
): Promise<void> {
  const keyPrefix = client.keyPrefix;
  const pattern = keys.pattern(keyPrefix);
  for (const node of await required(() => client.scanTargets())) {
    let cursor = "0";
    do {
      const at = cursor;
      const [next, found] = await required(() => node.scan(at, pattern, SCAN_COUNT));
      cursor = next;
      // Through the client, which adds its keyPrefix (and routes each key to its slot on a Cluster).
      await Promise.all(found.map((raw) => required(() => client.unlink(raw.slice(keyPrefix.length)))));
    } while (cursor !== "0");
  }
  await required(() => client.publish(keys.channel, message));
}

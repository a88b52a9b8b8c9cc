import type { RedisOptions } from "ioredis";
import { createIsr, type Isr } from "../../src/index.js";
import type { RedisStoreOptions } from "../../src/stores/redis.js";
import { recordingLogger } from "../helpers.js";
import type { OpenStore, storeFactory } from "./stores.js";

/** What a test process's fetch answers: which process made it, with its how manieth fetch. */
export interface Page {
  path: string;
  n: number;
  by: string;
}

let processes = 0;

export interface TestProcess extends OpenStore {
  name: string;
  isr: Isr<Page, string>;
  logger: ReturnType<typeof recordingLogger>;
  /** Fetches made so far by this process. */
  readonly fetches: number;
  /** Log lines of `level` that contain `text`. */
  logged(level: "warn" | "error" | "debug", text: string): number;
}

/**
 * One "process" of a fleet inside the test: its own client (on `port`: Redis, or a fault
 * proxy in front of it), store and engine, with tagged values (`page:<path>` and `pages`).
 * Its command timeout is 1 s unless given: on a loaded machine a 50 ms one may expire, and
 * only tests about timeouts should see that.
 */
export async function openProcess(
  stores: ReturnType<typeof storeFactory>,
  port: number,
  options: Omit<RedisStoreOptions, "client" | "logger"> & { prefix: string },
  engine: { ttlMs?: number; now?: () => number; namespace?: string } = {},
  clientOptions: RedisOptions = {},
): Promise<TestProcess> {
  const logger = recordingLogger();
  const store = await stores.open(
    port,
    { commandTimeoutMs: 1_000, ...options, logger },
    { retryStrategy: () => 20, ...clientOptions },
  );
  let fetches = 0;
  const name = `p${++processes}`;
  const isr = createIsr<Page, string>({
    fetch: (path) => {
      fetches += 1;
      return { path, n: fetches, by: name };
    },
    tags: (page) => [`page:${page.path}`, "pages"],
    namespace: engine.namespace ?? "pages",
    store: store.store,
    logger,
    ...(engine.ttlMs === undefined ? {} : { ttlMs: engine.ttlMs }),
    ...(engine.now === undefined ? {} : { now: engine.now }),
  });
  return {
    ...store,
    name,
    isr,
    logger,
    get fetches() {
      return fetches;
    },
    logged: (level, text) => logger.at(level).filter((line) => line.message.includes(text)).length,
  };
}

import { IsrRedisUnavailableError } from "../../errors.js";
import type { Log } from "../../log.js";
import { DEFAULTS } from "../../options.js";
import type { TagChannel, TagInvalidation } from "../store.js";
import { LocalTagChannel } from "../tag-channel.js";
import type { RedisConnection, Scripts } from "./client.js";
import { encodeMessage, type Message } from "./codec.js";
import type { KeySpace } from "./keys.js";
import type { RedisLink } from "./link.js";

export interface TagDeps {
  client: RedisConnection;
  scripts: Scripts;
  link: RedisLink;
  keys: KeySpace;
  instanceId: string;
  log: Log;
}

type Mode = TagInvalidation["mode"];

/**
 * Tag invalidations for the fleet: recorded in Redis (a bounded log, the trimmed part kept
 * as floors) so that processes starting later learn them, and announced on the store's
 * channel so that running ones learn them at once. This process's engines hear them through
 * a local channel, which also keeps what was heard for engines created later.
 */
export class RedisTags implements TagChannel {
  readonly #deps: TagDeps;
  readonly #local = new LocalTagChannel();
  readonly #namespaces = new Set<string>();

  constructor(deps: TagDeps) {
    this.#deps = deps;
  }

  async publish(namespace: string, invalidation: { tag: string; mode: Mode }): Promise<void> {
    const { tag, mode } = invalidation;
    const { scripts, keys, link, instanceId } = this.#deps;
    // The announcement's JSON up to its sequence number, which the script appends.
    const full = encodeMessage({ i: instanceId, o: "t", k: "", t: { s: namespace, g: tag, m: mode, a: 0 } });
    const head = full.slice(0, full.length - "0}}".length);
    const member = JSON.stringify([namespace, tag, mode]);
    const ran = link.run(() =>
      scripts.tag(keys.tagLog, keys.tagFloors, keys.tagSeq, member, DEFAULTS.maxTags, keys.channel, head),
    );
    let seq: number;
    try {
      if (ran === undefined) throw new Error("circuit open");
      seq = Number(await ran);
      if (!Number.isSafeInteger(seq)) throw new TypeError(`bad sequence number ${String(seq)}`);
    } catch (error) {
      // Applied in this process all the same, numbered after everything it has heard.
      this.#local.deliver(namespace, { tag, mode, seq: this.#local.next(namespace) });
      throw new IsrRedisUnavailableError(
        "isr-plug: redis is unavailable; the tag was invalidated in this process only",
        { cause: error },
      );
    }
    this.#local.deliver(namespace, { tag, mode, seq });
  }

  subscribe(namespace: string, listener: (invalidation: TagInvalidation) => void): () => void {
    const stop = this.#local.subscribe(namespace, listener);
    if (!this.#namespaces.has(namespace)) {
      this.#namespaces.add(namespace);
      this.#load(new Set([namespace]));
    }
    return stop;
  }

  /** Another process announced an invalidation. */
  heard(message: Message): void {
    const t = message.t;
    if (t !== undefined) this.#local.deliver(t.s, { tag: t.g, mode: t.m, seq: t.a });
  }

  /** Announcements may have been missed (pub/sub reconnected): read the record again. */
  resync(): void {
    if (this.#namespaces.size > 0) this.#load(this.#namespaces);
  }

  /** Reads the recorded invalidations of `namespaces` from Redis; a failure waits for the next resync. */
  #load(namespaces: ReadonlySet<string>): void {
    const { client, keys, link, log } = this.#deps;
    const read = link.run(() =>
      Promise.all([
        client.call("zrange", keys.tagLog, "0", "-1", "WITHSCORES"),
        client.call("hgetall", keys.tagFloors),
      ]),
    );
    read?.then(
      ([log_, floors]) => {
        const entries = log_ as string[];
        for (let i = 0; i + 1 < entries.length; i += 2) {
          const parsed = parseMember(entries[i] as string);
          if (parsed === undefined || !namespaces.has(parsed[0])) continue;
          this.#local.deliver(parsed[0], { tag: parsed[1], mode: parsed[2], seq: Number(entries[i + 1]) });
        }
        const fields = Array.isArray(floors) ? (floors as string[]) : Object.entries(floors as object).flat();
        for (let i = 0; i + 1 < fields.length; i += 2) {
          const floor = parseFloor(fields[i] as string);
          if (floor === undefined || !namespaces.has(floor[0])) continue;
          this.#local.deliver(floor[0], { tag: undefined, mode: floor[1], seq: Number(fields[i + 1]) });
        }
      },
      (error: unknown) => {
        log.warn(
          { err: error },
          "could not read the fleet's tag invalidations; they are read again on reconnect",
        );
      },
    );
  }
}

function parseMember(text: string): [string, string, Mode] | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (!Array.isArray(value) || value.length !== 3) return undefined;
    const [namespace, tag, mode] = value as unknown[];
    if (typeof namespace !== "string" || typeof tag !== "string" || (mode !== "soft" && mode !== "hard"))
      return undefined;
    return [namespace, tag, mode];
  } catch {
    return undefined;
  }
}

function parseFloor(text: string): [string, Mode] | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (!Array.isArray(value) || value.length !== 2) return undefined;
    const [namespace, mode] = value as unknown[];
    if (typeof namespace !== "string" || (mode !== "soft" && mode !== "hard")) return undefined;
    return [namespace, mode];
  } catch {
    return undefined;
  }
}

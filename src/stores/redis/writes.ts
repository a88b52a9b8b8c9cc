import type { Log } from "../../log.js";
import type { StoreEntry } from "../store.js";
import { isReplyError } from "./client.js";
import { encodeEntry, type RedisSerializer } from "./codec.js";
import type { KeySpace } from "./keys.js";
import type { WritePermit } from "./leases.js";
import type { RedisLink } from "./link.js";
import type { LocalTier, Ticket } from "./local-tier.js";
import { encodeMessage } from "./messages.js";
import type { Scripts, WriteReply } from "./scripts.js";
import type { RedisTags } from "./tags.js";
import type { WriteReport } from "./write-report.js";

/** How long a fence is good for: a fetch without the lease that runs longer is not shared. */
export const FENCE_MS = 60_000;

export interface WriteDeps {
  link: RedisLink;
  scripts: Scripts;
  keys: KeySpace;
  local: LocalTier;
  tags: RedisTags;
  report: WriteReport;
  nonces: WeakMap<StoreEntry, string>;
  serializer: RedisSerializer;
  /** The entry clock. */
  now: () => number;
  log: Log;
  prefix: string;
  instanceId: string;
}

/** A fetch this process runs for a key, and what its write may go through. */
interface Fetching {
  permit: WritePermit;
  /** Opened as the fetch starts: an announced change of the key meanwhile keeps its value out of the local tier. */
  ticket: Ticket;
  startedAt: number;
}

/**
 * The store's write path. A value is written to Redis only if no invalidation overtook the
 * fetch it comes from: through the fetch's lease, or against the key's fence read before it;
 * a fetch that had neither (Redis did not answer as it started) keeps its value in this
 * process only. Every outcome is counted, and refusals by error reported (`WriteReport`).
 */
export class FleetWrites {
  readonly #deps: WriteDeps;
  readonly #fetching = new Map<string, Fetching[]>();
  #counter = 0;

  constructor(deps: WriteDeps) {
    this.#deps = deps;
  }

  /** Runs the engine's produce as this process's fetch of `key`, so `set` knows its permit. */
  async produce(key: string, permit: WritePermit, produce: () => Promise<StoreEntry>): Promise<StoreEntry> {
    const fetching: Fetching = { permit, ticket: this.#deps.local.begin(key), startedAt: performance.now() };
    let running = this.#fetching.get(key);
    if (running === undefined) {
      running = [];
      this.#fetching.set(key, running);
    }
    running.push(fetching);
    try {
      return await produce();
    } finally {
      running.splice(running.indexOf(fetching), 1);
      if (running.length === 0 && this.#fetching.get(key) === running) this.#fetching.delete(key);
      this.#deps.local.end(key, fetching.ticket);
    }
  }

  async set(key: string, entry: StoreEntry, ttlMs: number): Promise<void> {
    const { local, report, log } = this.#deps;
    // Two fetches of one key in this process: one started after an invalidation overtook the
    // other (the engine then lets the old one finish unstored), or two engines sharing a
    // namespace. The oldest fetch no change of the key has overtaken, else the oldest.
    const running = this.#fetching.get(key);
    const fetching = running?.find((candidate) => !candidate.ticket.changed) ?? running?.[0];
    const ticket = fetching?.ticket ?? local.begin(key);
    const verifiedAt = fetching?.startedAt ?? performance.now();
    const nonce = `${this.#deps.instanceId}.${++this.#counter}`;
    this.#deps.nonces.set(entry, nonce);
    const keep = () => {
      if (local.end(key, ticket, nonce)) local.set(key, entry, ttlMs, { nonce, verifiedAt });
    };
    let frame: string;
    try {
      frame = encodeEntry(entry, this.#deps.serializer, nonce, this.#deps.now() + ttlMs);
    } catch (error) {
      log.error(
        { prefix: this.#deps.prefix, key, err: error },
        "value cannot be serialized; it is served and kept in this process only, not shared through redis",
      );
      keep();
      return;
    }
    const permit = fetching?.permit;
    // A fetch that started while Redis could not be asked read no fence: an invalidation may
    // have come in between, and its value must not land in Redis after it. Kept here only.
    // So is a value stamped after a tag number this process gave on its own, until the
    // fleet's sequence is raised above it.
    const unfenced = permit !== undefined && permit.token === undefined && permit.fence === undefined;
    const raised = unfenced ? undefined : this.#deps.tags.beforeWrite();
    const shareable = !unfenced && (raised === undefined || (await raised));
    const written = shareable
      ? this.#deps.link.run(() => this.#write(key, entry, frame, ttlMs, nonce, permit))
      : undefined;
    if (written === undefined) {
      report.localOnly();
      keep();
      return;
    }
    let reply: WriteReply;
    try {
      reply = await written;
    } catch (error) {
      // Refused with an error (a full Redis), or no answer: served and kept here (fail open).
      if (isReplyError(error)) report.failed(key, error);
      else report.localOnly();
      keep();
      return;
    }
    if (reply === "stored") {
      report.stored();
      keep();
      return;
    }
    // Invalidated while it was fetched (its lease or fence moved), or a newer entry is there.
    report.refused();
    local.end(key, ticket);
    local.delete(key);
    if (log.debugEnabled())
      log.debug({ key, reason: reply }, "value not stored: the key changed while it was fetched");
  }

  /** Deletes the entry, revokes its lease, moves its fence, and announces it. */
  drop(key: string): Promise<unknown> {
    const { scripts, keys, instanceId } = this.#deps;
    return scripts.drop({
      entry: keys.entry(key),
      lease: keys.lease(key),
      fence: keys.fence(key),
      channel: keys.channel,
      message: encodeMessage({ i: instanceId, o: "d", k: key }),
    });
  }

  #write(key: string, entry: StoreEntry, frame: string, ttlMs: number, nonce: string, permit?: WritePermit) {
    const { scripts, keys, instanceId } = this.#deps;
    return scripts.write({
      entry: keys.entry(key),
      lease: keys.lease(key),
      fence: keys.fence(key),
      frame,
      px: Number.isFinite(ttlMs) ? ttlMs : undefined,
      token: permit?.token,
      fenced: permit?.fence,
      fenceMs: FENCE_MS,
      storedAt: entry.storedAt,
      channel: keys.channel,
      message: encodeMessage({ i: instanceId, o: "s", k: key, n: nonce }),
    });
  }
}

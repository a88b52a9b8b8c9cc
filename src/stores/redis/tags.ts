import { IsrRedisUnavailableError } from "../../errors.js";
import type { Log } from "../../log.js";
import { DEFAULTS } from "../../options.js";
import type { TagChannel, TagInvalidation } from "../store.js";
import { LocalTagChannel } from "../tag-channel.js";
import type { KeySpace } from "./keys.js";
import type { RedisLink } from "./link.js";
import { type TagAnnouncement, tagAnnouncementHead } from "./messages.js";
import type { Scripts, SyncReply } from "./scripts.js";

export interface TagDeps {
  scripts: Scripts;
  link: RedisLink;
  keys: KeySpace;
  instanceId: string;
  log: Log;
  /** The fleet's sequence went back (Redis lost its data): local copies must not be trusted. */
  onRegression: () => void;
  /** An announcement came out of order: the sequence went back; the record must be read again. */
  suspect: () => void;
}

type Mode = TagInvalidation["mode"];

/**
 * Tag invalidations for the fleet: recorded in Redis (a bounded log, the trimmed part kept
 * as floors) so that processes starting later learn them, and announced on the store's
 * channel so that running ones learn them at once. Each takes the next number of the
 * fleet's sequence (INCR in Redis): entries are ordered against them by number, never by
 * clock. This process's engines hear them through a local channel, which also keeps what was
 * heard for engines created later.
 *
 * The sequence must never go back below a number the fleet has used: an invalidation numbered
 * below an entry's stamp would not touch it. Redis may lose the counter (a restart without
 * persistence, an eviction) and seed it again from its clock, which may be behind. So each
 * invalidation is numbered above what its sender has heard, and a process that finds the
 * counter below what the fleet gave it raises it, and applies every record it then reads as
 * newer than anything it stamped.
 */
export class RedisTags implements TagChannel {
  readonly #deps: TagDeps;
  readonly #local = new LocalTagChannel();
  /** Highest number heard or given here (the fleet's, or this process's own while Redis was away). */
  #heardMax = 0;
  /** Highest number the fleet gave, as far as this process knows. */
  #fleetMax = 0;
  /** The fleet's sequence at the last sync: every record numbered up to it is known here. */
  #syncedUpTo = 0;
  /** The sequence's epoch at the last sync (undefined before the first). */
  #epoch: string | undefined;
  /**
   * Number of the last invalidation announced (by another process, or given to this one):
   * announcements arrive in order of their numbers, or nearly (see `heard`).
   */
  #lastAnnounced = 0;
  /**
   * The highest number this process gave on its own: to an invalidation Redis could not be
   * told of, or to records it applied as newer than everything it heard (after the sequence
   * went back). The fleet's sequence may not have reached it, so a fleet number at or below it
   * would not touch entries stamped after it. Until the sequence is raised above it
   * (`#unraised`), writes wait for that raise, and announcements at or below it are applied
   * as newer.
   */
  #localMax = 0;
  #unraised = false;
  #raising: Promise<boolean> | undefined;

  constructor(deps: TagDeps) {
    this.#deps = deps;
  }

  /** The highest sequence number this process has heard or given. */
  get heardMax(): number {
    return this.#heardMax;
  }

  async publish(namespace: string, invalidation: { tag: string; mode: Mode }): Promise<void> {
    const { tag, mode } = invalidation;
    const { scripts, keys, link, instanceId } = this.#deps;
    const ran = link.run(() =>
      scripts.tag({
        ...keys.tagRecord,
        member: JSON.stringify([namespace, tag, mode]),
        mostRecords: DEFAULTS.maxTags,
        channel: keys.channel,
        head: tagAnnouncementHead(instanceId, namespace, tag, mode),
        floor: this.#heardMax,
      }),
    );
    let seq: number;
    try {
      if (ran === undefined) throw new Error("circuit open");
      seq = await ran;
    } catch (error) {
      // Applied in this process all the same, numbered after everything it has heard.
      const own = Math.max(this.#local.next(namespace), this.#heardMax + 1);
      this.#deliver(namespace, { tag, mode, seq: this.#own(own) });
      throw new IsrRedisUnavailableError(
        "isr-plug: redis is unavailable; the tag was invalidated in this process only",
        { cause: error },
      );
    }
    this.#fleetGave(seq);
    if (seq > this.#lastAnnounced) this.#lastAnnounced = seq;
    // Numbered above the floor it sent: the fleet's sequence is past every number of its own.
    if (seq >= this.#localMax) this.#unraised = false;
    this.#deliver(namespace, { tag, mode, seq });
  }

  /** Notes `number` as given by this process on its own, so the fleet's sequence is raised above it before it matters. */
  #own(number: number): number {
    if (number > this.#localMax) this.#localMax = number;
    this.#unraised = true;
    return number;
  }

  subscribe(namespace: string, listener: (invalidation: TagInvalidation) => void): () => void {
    // The local channel replays what this process knows: every namespace's records are read
    // on each sync, so a namespace subscribed late is as current as the others.
    return this.#local.subscribe(namespace, listener);
  }

  /**
   * Another process announced an invalidation. Announcements arrive in the order of their
   * numbers; one that does not was numbered after the sequence went back, possibly below
   * entries stamped before: it is applied as newer than everything heard, and the record is
   * read again (which raises the sequence). (One other way to arrive out of order: the answer
   * to this process's own invalidation overtook an announcement made just before it. Applying
   * that one as newer only invalidates more than asked.)
   */
  heard(t: TagAnnouncement): void {
    const inOrder = t.a > this.#lastAnnounced && t.a > this.#localMax;
    this.#lastAnnounced = t.a;
    this.#fleetGave(t.a);
    this.#deliver(t.s, {
      tag: t.g,
      mode: t.m,
      seq: inOrder ? t.a : this.#own(Math.max(t.a, this.#heardMax + 1)),
    });
    if (!inOrder) this.#deps.suspect();
  }

  /**
   * Reads from Redis the records this process may have missed (those numbered after its
   * last sync, and the floors) and applies them, re-basing the sequence if it went back.
   * `undefined` when Redis is unusable; rejects when it fails. The first one reads the whole
   * record (up to 10 000 members): it gets `timeoutMs`, not just the command timeout.
   */
  sync(timeoutMs: number): Promise<void> | undefined {
    const { scripts, keys, link } = this.#deps;
    const from = this.#syncedUpTo;
    const epoch = this.#epoch ?? "";
    const read = link.run(() => scripts.sync(keys.tagRecord, from, epoch), timeoutMs);
    return read?.then((reply) => this.#apply(reply));
  }

  async #apply(reply: SyncReply): Promise<void> {
    const { keys, log } = this.#deps;
    const { seq } = reply;
    // The sequence started again (Redis lost it) since this process last read it.
    const restarted = this.#epoch !== undefined && reply.epoch !== this.#epoch;
    const regressed = this.#fleetMax > 0 && (seq === undefined || seq < this.#fleetMax);
    // Numbers given since a restart may lie below entries stamped before it: such records are
    // applied with a number of this process's own, above everything it has heard.
    const lowest = restarted || regressed ? this.#heardMax + 1 : Number.NEGATIVE_INFINITY;
    if (regressed) {
      this.#own(lowest);
      log.warn(
        { prefix: keys.prefix, was: this.#fleetMax, found: seq ?? null, raisedTo: lowest },
        "the fleet's tag-invalidation sequence went back (redis lost its data?); raised it, and local copies are read again from redis",
      );
      this.#deps.onRegression();
    }
    this.#epoch = reply.epoch;
    if (seq !== undefined) this.#fleetGave(seq);
    const upTo = Math.max(seq ?? 0, lowest);
    if (upTo > this.#syncedUpTo || restarted) this.#syncedUpTo = upTo;
    const apply = (namespace: string, tag: string | undefined, mode: Mode, number: number) => {
      this.#deliver(namespace, { tag, mode, seq: number < lowest ? this.#own(lowest) : number });
    };
    const records = reply.log;
    for (let i = 0; i + 1 < records.length; i += 2) {
      const member = parseMember(records[i] as string);
      if (member !== undefined) apply(member[0], member[1], member[2], Number(records[i + 1]));
    }
    const floors = reply.floors;
    for (let i = 0; i + 1 < floors.length; i += 2) {
      const floor = parseFloor(floors[i] as string);
      if (floor !== undefined) apply(floor[0], undefined, floor[1], Number(floors[i + 1]));
    }
    // The fleet goes on above every number this process gave on its own.
    if (this.#unraised || (seq !== undefined && seq < this.#heardMax)) {
      const raised = await this.#raise(Math.max(this.#heardMax, this.#localMax));
      this.#epoch = raised.epoch;
    }
  }

  /**
   * Before a write to Redis: `undefined` (go ahead) unless this process gave a number of its
   * own that the fleet's sequence has not reached yet; then raises the sequence first, and
   * resolves whether it could (if not, the write stays local).
   */
  beforeWrite(): Promise<boolean> | undefined {
    if (!this.#unraised) return undefined;
    if (this.#raising === undefined) {
      const raising = this.#raise(Math.max(this.#heardMax, this.#localMax)).then(
        () => true,
        () => false,
      );
      this.#raising = raising;
      raising.then(() => {
        if (this.#raising === raising) this.#raising = undefined;
      });
    }
    return this.#raising;
  }

  async #raise(floor: number): Promise<{ seq: number; epoch: string }> {
    const { scripts, keys, link } = this.#deps;
    const raised = link.run(() => scripts.rebase(keys.tagRecord, floor));
    if (raised === undefined) throw new Error("circuit open");
    const answer = await raised;
    this.#fleetGave(answer.seq);
    if (answer.seq >= this.#localMax) this.#unraised = false;
    return answer;
  }

  #fleetGave(seq: number): void {
    if (seq > this.#fleetMax) this.#fleetMax = seq;
  }

  #deliver(namespace: string, invalidation: TagInvalidation): void {
    if (invalidation.seq > this.#heardMax) this.#heardMax = invalidation.seq;
    this.#local.deliver(namespace, invalidation);
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

import type { PubSubConnection, PubSubEvents, RedisConnection } from "./client.js";
import { bounded } from "./link.js";

export interface SubscriberEvents {
  message(text: string): void;
  /**
   * Subscribed (again) at `at` (`performance.now()`): announcements flow from then on;
   * earlier ones may have been missed.
   */
  up(at: number): void;
  /** Announcements may be missed until the next `up`: the connection closed, or went silent. */
  down(reason: "closed" | "silent"): void;
  /** A heartbeat came back: every announcement published before `sentAt` has been delivered. */
  confirmed(sentAt: number): void;
}

function noop(): void {}

const QUIT_TIMEOUT_MS = 1_000;
/** Statuses in which a connection is stuck if it stays there (a handshake or subscribe with no answer). */
const HANDSHAKING = new Set(["connect", "ready"]);

/**
 * The store's own pub/sub connection (a duplicate of the client), subscribed to the channel
 * on every (re)connection. `active` is true only while the subscription is confirmed, because
 * only then can the local tier trust that it hears about every change.
 *
 * A connection can die without a FIN or RST (a NAT or load balancer forgetting an idle
 * flow): every `heartbeatMs` a heartbeat makes a round trip on the subscriber connection
 * itself (see PubSubConnection.heartbeat). Its answer comes after every message published
 * before it, so it confirms delivery up to its sending. A heartbeat unanswered for
 * two periods, or a handshake stuck as long, retires the connection for a new one.
 */
export class Subscriber {
  readonly #client: RedisConnection;
  readonly #channel: string;
  readonly #events: SubscriberEvents;
  readonly #heartbeatMs: number;
  readonly #timer: ReturnType<typeof setInterval>;
  #connection!: PubSubConnection;
  #active = false;
  #closed = false;
  /** Sending time of the heartbeat awaiting its answer. */
  #pending: number | undefined;
  /** When the current connection was opened or last lost: a handshake older than two periods is stuck. */
  #since = 0;
  readonly #connectionEvents: PubSubEvents = {
    ready: () => this.#subscribe(),
    /** A (re)connection's handshake starts: its time counts from here, not from the loss. */
    connect: () => {
      this.#since = performance.now();
    },
    close: () => {
      this.#since = performance.now();
      this.#lost("closed");
    },
    message: (text) => {
      if (!this.#closed) this.#events.message(text);
    },
  };

  constructor(client: RedisConnection, channel: string, events: SubscriberEvents, heartbeatMs: number) {
    this.#client = client;
    this.#channel = channel;
    this.#events = events;
    this.#heartbeatMs = heartbeatMs;
    this.#open();
    this.#timer = setInterval(() => this.#beat(), heartbeatMs);
    this.#timer.unref?.();
  }

  get active(): boolean {
    return this.#active;
  }

  #open(): void {
    this.#since = performance.now();
    this.#pending = undefined;
    const connection = this.#client.openSubscriber(this.#channel, this.#connectionEvents);
    this.#connection = connection;
    if (connection.status === "ready") this.#subscribe();
  }

  /** Lets go of the current connection (it tells nothing more) and opens a new one. */
  #replace(): void {
    this.#connection.disconnect();
    this.#lost("silent");
    this.#open();
  }

  #subscribe(): void {
    const connection = this.#connection;
    connection.subscribe().then(() => {
      if (this.#closed || this.#active || connection !== this.#connection || connection.status !== "ready")
        return;
      this.#active = true;
      this.#pending = undefined;
      this.#events.up(performance.now());
    }, noop);
  }

  #beat(): void {
    if (this.#closed) return;
    const now = performance.now();
    const overdue = 2 * this.#heartbeatMs;
    if (!this.#active) {
      if (HANDSHAKING.has(this.#connection.status) && now - this.#since > overdue) this.#replace();
      return;
    }
    if (this.#pending !== undefined) {
      if (now - this.#pending > overdue) this.#replace();
      return;
    }
    const connection = this.#connection;
    const sentAt = now;
    this.#pending = sentAt;
    connection.heartbeat().then(() => {
      if (connection !== this.#connection || this.#pending !== sentAt) return;
      this.#pending = undefined;
      if (this.#active && !this.#closed) this.#events.confirmed(sentAt);
    }, noop);
  }

  #lost(reason: "closed" | "silent"): void {
    this.#pending = undefined;
    if (!this.#active) return;
    this.#active = false;
    if (!this.#closed) this.#events.down(reason);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#active = false;
    clearInterval(this.#timer);
    const connection = this.#connection;
    try {
      await bounded(connection.quit(), QUIT_TIMEOUT_MS);
    } catch {
      // Redis is away: drop the socket without the goodbye.
    }
    connection.disconnect();
  }
}

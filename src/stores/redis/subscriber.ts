import type { RedisConnection } from "./client.js";
import { withTimeout } from "./link.js";

export interface SubscriberEvents {
  message(text: string): void;
  /** Subscribed (again): announcements flow from now on, earlier ones may have been missed. */
  up(): void;
  /** The connection dropped: announcements may be missed until `up`. */
  down(): void;
}

function noop(): void {}

const QUIT_TIMEOUT_MS = 1_000;

/**
 * The store's own pub/sub connection (`client.duplicate()`), subscribed to the channel on
 * every (re)connection. `active` is true only while the subscription is confirmed, because
 * only then can the local tier trust that it hears about every change.
 */
export class Subscriber {
  readonly #connection: RedisConnection;
  readonly #channel: string;
  readonly #events: SubscriberEvents;
  #active = false;
  #closed = false;
  readonly #onReady = () => this.#subscribe();
  readonly #onClose = () => this.#lost();
  readonly #onMessage = (channel: string, text: string) => {
    if (channel === this.#channel && !this.#closed) this.#events.message(text);
  };

  constructor(client: RedisConnection, channel: string, events: SubscriberEvents) {
    this.#channel = channel;
    this.#events = events;
    this.#connection = client.duplicate();
    // ioredis prints unhandled "error" events; the connection state is what matters here.
    this.#connection.on("error", noop);
    this.#connection.on("ready", this.#onReady);
    this.#connection.on("close", this.#onClose);
    this.#connection.on("message", this.#onMessage as (...args: never[]) => void);
    if (this.#connection.status === "wait") this.#connection.connect().catch(noop);
    else if (this.#connection.status === "ready") this.#subscribe();
  }

  get active(): boolean {
    return this.#active;
  }

  #subscribe(): void {
    this.#connection.subscribe(this.#channel).then(() => {
      if (this.#closed || this.#active || this.#connection.status !== "ready") return;
      this.#active = true;
      this.#events.up();
    }, noop);
  }

  #lost(): void {
    if (!this.#active) return;
    this.#active = false;
    if (!this.#closed) this.#events.down();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#active = false;
    this.#connection.removeListener("ready", this.#onReady);
    this.#connection.removeListener("close", this.#onClose);
    this.#connection.removeListener("message", this.#onMessage as (...args: never[]) => void);
    try {
      await withTimeout(this.#connection.quit(), QUIT_TIMEOUT_MS);
    } catch {
      // Redis is away: drop the socket without the goodbye.
    }
    this.#connection.disconnect();
  }
}

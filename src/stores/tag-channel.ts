import { DEFAULTS } from "../options.js";
import { TagRegistry } from "../tags.js";
import type { TagChannel, TagInvalidation } from "./store.js";

type Listener = (invalidation: TagInvalidation) => void;

/**
 * Tag invalidations shared by every engine of one process that uses one store: each
 * namespace has one sequence, its invalidations are kept (bounded, like an engine's own) and
 * replayed to engines that subscribe later. A fleet store feeds it what other processes
 * announce, with the fleet's sequence numbers.
 */
export class LocalTagChannel implements TagChannel {
  readonly #namespaces = new Map<string, { registry: TagRegistry; listeners: Set<Listener> }>();

  async publish(namespace: string, invalidation: { tag: string; mode: "soft" | "hard" }): Promise<void> {
    const { tag, mode } = invalidation;
    this.deliver(namespace, { tag, mode, seq: this.next(namespace) });
  }

  subscribe(namespace: string, listener: Listener): () => void {
    const space = this.#space(namespace);
    for (const invalidation of space.registry.invalidations()) listener(invalidation);
    space.listeners.add(listener);
    return () => {
      space.listeners.delete(listener);
    };
  }

  /** The next number of `namespace`'s sequence in this process. */
  next(namespace: string): number {
    return this.#space(namespace).registry.next();
  }

  /** The highest number of `namespace`'s sequence heard in this process. */
  seq(namespace: string): number {
    return this.#space(namespace).registry.seq;
  }

  /** Records an invalidation and tells this process's subscribers, unless it was known. */
  deliver(namespace: string, invalidation: TagInvalidation): void {
    const space = this.#space(namespace);
    if (!space.registry.record(invalidation)) return;
    for (const listener of [...space.listeners]) listener(invalidation);
  }

  #space(namespace: string) {
    let space = this.#namespaces.get(namespace);
    if (space === undefined) {
      space = { registry: new TagRegistry(DEFAULTS.maxTags), listeners: new Set() };
      this.#namespaces.set(namespace, space);
    }
    return space;
  }
}

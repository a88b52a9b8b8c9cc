import { DEFAULTS } from "../options.js";
import { TagRegistry } from "../tags.js";
import type { TagChannel, TagInvalidation } from "./store.js";

type Listener = (invalidation: TagInvalidation) => void;

/**
 * Tag invalidations shared by every engine of one process that uses one store: each
 * namespace's invalidations are kept (bounded, like an engine's own) and replayed to engines
 * that subscribe later. A fleet store feeds it what other processes announce.
 */
export class LocalTagChannel implements TagChannel {
  readonly #namespaces = new Map<string, { registry: TagRegistry; listeners: Set<Listener> }>();

  async publish(namespace: string, invalidation: TagInvalidation): Promise<void> {
    this.deliver(namespace, invalidation);
  }

  subscribe(namespace: string, listener: Listener): () => void {
    const space = this.#space(namespace);
    for (const invalidation of space.registry.invalidations()) listener(invalidation);
    space.listeners.add(listener);
    return () => {
      space.listeners.delete(listener);
    };
  }

  /** Records an invalidation and tells this process's subscribers, unless it was known. */
  deliver(namespace: string, invalidation: TagInvalidation): void {
    const space = this.#space(namespace);
    const { tag, mode, at } = invalidation;
    const changed =
      tag === undefined ? space.registry.raiseFloor(mode, at) : space.registry.invalidate(tag, mode, at);
    if (!changed) return;
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

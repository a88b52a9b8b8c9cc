/**
 * What the webhook revalidates. The response cache (whole-page ISR) implements all of it;
 * a data engine from `createIsr` has `invalidateTag` only, which is enough for tags.
 */
export interface RevalidationTarget {
  /** "hard" (default): entries become misses; "soft": stale, served while one background re-render runs. */
  invalidateTag(tag: string, options?: { mode?: "hard" | "soft" }): Promise<void>;
  invalidatePath(path: string, options?: { mode?: "hard" | "soft" }): Promise<void>;
}

/** A target that knows tags only: every `Isr` engine (`createIsr`, an adapter's `.isr`). */
export type TagTarget = Pick<RevalidationTarget, "invalidateTag">;

/** What the webhook accepts as a target. */
export type WebhookTarget = RevalidationTarget | TagTarget;

export function hasPaths(target: WebhookTarget): target is RevalidationTarget {
  return typeof (target as Partial<RevalidationTarget>).invalidatePath === "function";
}

import type { RevalidationTarget } from "../response/target.js";

/**
 * What the webhook revalidates (defined with the response cache, which implements all of it);
 * a data engine from `createIsr` has `invalidateTag` only, which is enough for tags.
 */
export type { RevalidationTarget };

/** A target that knows tags only: every `Isr` engine (`createIsr`, an adapter's `.isr`). */
export type TagTarget = Pick<RevalidationTarget, "invalidateTag">;

/** What the webhook accepts as a target. */
export type WebhookTarget = RevalidationTarget | TagTarget;

export function hasPaths(target: WebhookTarget): target is RevalidationTarget {
  return typeof (target as Partial<RevalidationTarget>).invalidatePath === "function";
}

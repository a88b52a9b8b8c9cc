/** How an invalidation takes effect: misses at once, or stale entries served while one re-render runs. */
export type RevalidationMode = "hard" | "soft";

/**
 * What on-demand revalidation acts on (a CMS webhook, an admin action): the response cache
 * implements it. Paths are URL paths (`/blog/hello`); each stored page carries an implicit tag
 * for its path, so a path reaches every page stored for it, whatever its query or `Vary` variants.
 */
export interface RevalidationTarget {
  /** "hard" (default): entries become misses; "soft": stale, served while one background re-render runs. */
  invalidateTag(tag: string, options?: { mode?: RevalidationMode }): Promise<void>;
  invalidatePath(path: string, options?: { mode?: RevalidationMode }): Promise<void>;
}

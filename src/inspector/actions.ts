import type { InvalidationMode } from "../tags.js";
import type { NamedEngine } from "./options.js";
import { json } from "./responses.js";
import type { Shared } from "./shared.js";
import { type InspectorSnapshot, messageOf } from "./snapshot.js";

export type ActionName = "invalidate" | "revalidate" | "invalidate-tag";

export const ACTION_PATHS: Readonly<Record<string, ActionName>> = {
  "/api/invalidate": "invalidate",
  "/api/revalidate": "revalidate",
  "/api/invalidate-tag": "invalidate-tag",
};

/** What an action needs besides its query: the engines, and the snapshot ids are looked up in. */
export interface ActionContext {
  byName: ReadonlyMap<string, NamedEngine>;
  snapshot: Shared<InspectorSnapshot>;
  /** Called once the action changed something, so the next poll does not show the old state. */
  changed(engine: string): void;
}

/**
 * Runs one action. Ids are looked up in the shared snapshot (the one the pages poll), not by
 * reading every entry from the store again.
 */
export async function runAction(action: ActionName, url: URL, context: ActionContext): Promise<Response> {
  const name = url.searchParams.get("engine") ?? "";
  const named = context.byName.get(name);
  if (named === undefined) return json(404, { error: "unknown engine" });
  if (action === "invalidate-tag") return invalidateTag(named, url, () => context.changed(name));
  const id = url.searchParams.get("id");
  if (id === null || id === "") return json(400, { error: "missing id" });
  const snapshot = await context.snapshot.get();
  const entry = snapshot.namespaces.find((ns) => ns.name === name)?.entries.find((e) => e.id === id);
  if (entry === undefined) return json(404, { error: "unknown id" });
  try {
    if (action === "revalidate") await named.inspection.revalidate(id);
    else await named.engine.invalidate(entry.key);
  } catch (error) {
    // The origin's error is what the page shows as the key's last error anyway.
    return json(502, { ok: false, error: messageOf(error) });
  } finally {
    context.changed(name);
  }
  return json(200, { ok: true });
}

async function invalidateTag(named: NamedEngine, url: URL, changed: () => void): Promise<Response> {
  const tag = url.searchParams.get("tag");
  if (tag === null || tag === "") return json(400, { error: "missing tag" });
  const mode = url.searchParams.get("mode") ?? "hard";
  if (mode !== "hard" && mode !== "soft") return json(400, { error: 'mode must be "hard" or "soft"' });
  try {
    await named.engine.invalidateTag(tag, { mode: mode satisfies InvalidationMode });
  } catch (error) {
    // A tag the engine refuses is the caller's mistake; anything else is the store's.
    return error instanceof TypeError
      ? json(400, { error: messageOf(error) })
      : json(502, { ok: false, error: messageOf(error) });
  } finally {
    changed();
  }
  return json(200, { ok: true });
}

import { MAX_TAG_LENGTH } from "../tags.js";

/** Most tags, and most paths, one request may name. */
export const MAX_WEBHOOK_ITEMS = 100;
/** Longest path accepted, in characters (as sent: percent-encoded). */
export const MAX_PATH_LENGTH = 2_048;

/** `"invalidate"`: the next request renders afresh; `"revalidate"`: served stale while one re-render runs. */
export type WebhookMode = "invalidate" | "revalidate";

/** What a CMS sends, as JSON. */
export interface RevalidationRequest {
  tags?: string[];
  paths?: string[];
  /** @default "invalidate" */
  mode?: WebhookMode;
}

/** A request that passed every check: lists deduplicated, mode resolved. */
export interface CheckedRevalidation {
  tags: string[];
  paths: string[];
  mode: WebhookMode;
}

const FIELDS = new Set(["tags", "paths", "mode"]);

/**
 * A path as requests carry it: starting with one "/", percent-encoded (RFC 3986 path and
 * query characters only, so no spaces, controls, "#" or raw non-ASCII), query allowed.
 */
const PATH = /^\/(?!\/)(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})*$/;
/** Control characters have no business in a tag, and would garble the logs. */
function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

type Checked<T> = { ok: true; value: T } | { ok: false; error: string };

function list(
  name: string,
  value: unknown,
  valid: (item: string) => boolean,
  what: string,
): Checked<string[]> {
  if (value === undefined) return { ok: true, value: [] };
  if (!Array.isArray(value)) return { ok: false, error: `"${name}" must be an array of strings` };
  if (value.length > MAX_WEBHOOK_ITEMS) {
    return { ok: false, error: `"${name}" may list at most ${MAX_WEBHOOK_ITEMS} items, got ${value.length}` };
  }
  for (const [index, item] of value.entries()) {
    if (typeof item !== "string" || !valid(item))
      return { ok: false, error: `${name}[${index}] must be ${what}` };
  }
  return { ok: true, value: [...new Set(value as string[])] };
}

const isTag = (tag: string) => tag.length > 0 && tag.length <= MAX_TAG_LENGTH && !hasControl(tag);
const isPath = (path: string) => path.length <= MAX_PATH_LENGTH && PATH.test(path);

/** Checks a request body (UTF-8 JSON); the error, when there is one, is safe to send back. */
export function parseRevalidation(text: string): Checked<CheckedRevalidation> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { ok: false, error: "the body is not JSON" };
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    return { ok: false, error: 'the body must be a JSON object: { "tags"?, "paths"?, "mode"? }' };
  }
  const fields = body as Record<string, unknown>;
  const unknown = Object.keys(fields).find((name) => !FIELDS.has(name));
  if (unknown !== undefined) {
    return {
      ok: false,
      error: `unknown field ${JSON.stringify(unknown.slice(0, 64))} (known: tags, paths, mode)`,
    };
  }
  const mode = fields.mode ?? "invalidate";
  if (mode !== "invalidate" && mode !== "revalidate") {
    return { ok: false, error: '"mode" must be "invalidate" or "revalidate"' };
  }
  const tags = list(
    "tags",
    fields.tags,
    isTag,
    `a string of 1 to ${MAX_TAG_LENGTH} characters, without control characters`,
  );
  if (!tags.ok) return tags;
  const paths = list(
    "paths",
    fields.paths,
    isPath,
    `a path starting with "/" (percent-encoded, at most ${MAX_PATH_LENGTH} characters)`,
  );
  if (!paths.ok) return paths;
  if (tags.value.length === 0 && paths.value.length === 0) {
    return { ok: false, error: 'nothing to revalidate: give "tags" or "paths"' };
  }
  return { ok: true, value: { tags: tags.value, paths: paths.value, mode } };
}

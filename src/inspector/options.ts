import { describeValue, OptionCheck, optionNames } from "../check.js";
import type { CacheKey } from "../key.js";
import type { IsrListener } from "../observe/events.js";
import { type Inspection, inspectionOf } from "../observe/inspection.js";
import type { IsrStats } from "../observe/stats.js";
import type { InvalidationMode } from "../tags.js";

/**
 * What the inspector needs of an engine. Every `Isr<V, E>` fits: pass `createIsr(...)` or an
 * adapter's `middleware.isr`.
 */
export interface InspectableEngine {
  readonly namespace: string;
  /** Read for the fleet view: a store with `scanEntries` (the Redis store) lists its entries. */
  readonly store?: unknown;
  stats(): IsrStats;
  invalidate(key: CacheKey): Promise<void>;
  invalidateTag(tag: string, options?: { mode?: InvalidationMode }): Promise<void>;
  /** The inspector listens to `fetchEnd` for the fetch durations it shows. */
  on(name: "fetchEnd", listener: IsrListener<"fetchEnd">): () => void;
}

/** Decides whether a request may see the inspector (e.g. from a session cookie). */
export type InspectorAuthorize = (request: Request) => boolean | Promise<boolean>;

export interface InspectorOptions {
  /**
   * The engines to show: an array (each listed under its namespace, which must then be
   * unique) or a record of display name → engine.
   */
  engines: readonly InspectableEngine[] | Readonly<Record<string, InspectableEngine>>;
  /**
   * A shared secret of at least 16 characters (e.g. `crypto.randomUUID()`). Scripts send it
   * as `Authorization: Bearer <token>`; a browser posts it once (the sign-in form, or a
   * `#token=` fragment, which no server sees) for a one-hour `HttpOnly` session cookie. A
   * token in the query string (`?token=`) is never accepted: URLs end up in logs.
   */
  token?: string;
  /** A check of your own; a request passes when it returns true or carries the token. */
  authorize?: InspectorAuthorize;
  /**
   * Shows values' contents (as JSON, cut at 4 KiB each). Values may be private.
   * @default false
   */
  showValues?: boolean;
  /**
   * The full path the inspector answers under, as browsers send it: characters outside a URL
   * path (a space, say) must be percent-encoded (`"/ops/isr%20inspector"`). Requests outside
   * it go to `next` (Node) or get a 404 (`fetch`).
   * @default "/isr-inspector"
   */
  basePath?: string;
  /**
   * How often the page asks for fresh data, ms (at least 100). All pages and scripts polling
   * share one snapshot per `pollMs`, which reads every listed entry (at most 1 000 per
   * engine) from the store once: keep it modest with a remote store.
   * @default 1000
   */
  pollMs?: number;
}

/** The inspector's engines, each under the name it is shown and addressed by. */
export interface NamedEngine {
  name: string;
  engine: InspectableEngine;
  /** The engine's inspection seam: its recent keys, and a revalidation by their ids. */
  inspection: Inspection<unknown>;
}

export interface ResolvedInspectorOptions {
  engines: NamedEngine[];
  token: string | undefined;
  authorize: InspectorAuthorize | undefined;
  showValues: boolean;
  /** Without a trailing slash; "" when mounted at the root. */
  basePath: string;
  pollMs: number;
}

export const DEFAULT_BASE_PATH = "/isr-inspector";
export const MIN_TOKEN_LENGTH = 16;

const KNOWN = optionNames<InspectorOptions>({
  engines: true,
  token: true,
  authorize: true,
  showValues: true,
  basePath: true,
  pollMs: true,
});

const check = new OptionCheck("isr-plug inspector:", "isr-plug inspector: unknown option");

function fail(name: string, expected: string, value: unknown): never {
  return check.fail(name, expected, value);
}

export function resolveInspectorOptions(options: InspectorOptions): ResolvedInspectorOptions {
  check.object(options, KNOWN);
  const { token, authorize, showValues = false, basePath = DEFAULT_BASE_PATH, pollMs = 1_000 } = options;
  if (token !== undefined && (typeof token !== "string" || token.length < MIN_TOKEN_LENGTH)) {
    // A short token could be guessed by anyone who can reach the page. The message never shows the token.
    const got = typeof token === "string" ? `${token.length} characters` : typeof token;
    throw new TypeError(
      `isr-plug inspector: "token" must be a string of at least ${MIN_TOKEN_LENGTH} characters, got ${got}`,
    );
  }
  if (authorize !== undefined && typeof authorize !== "function") fail("authorize", "a function", authorize);
  if (token === undefined && authorize === undefined) {
    throw new TypeError(
      'isr-plug inspector: "token" or "authorize" is required; the inspector shows and changes your cache',
    );
  }
  if (typeof showValues !== "boolean") fail("showValues", "a boolean", showValues);
  if (typeof basePath !== "string" || !basePath.startsWith("/")) {
    fail("basePath", 'a path starting with "/"', basePath);
  }
  checkPathAsSent(basePath);
  if (typeof pollMs !== "number" || !Number.isFinite(pollMs) || pollMs < 100) {
    fail("pollMs", "a number of milliseconds >= 100", pollMs);
  }
  return {
    engines: nameEngines(options.engines),
    token,
    authorize,
    showValues,
    basePath: basePath.replace(/\/+$/, ""),
    pollMs,
  };
}

/** A path character of RFC 3986 (pchar and "/"), or a percent-encoded octet. */
const PATH_AS_SENT = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*$/;

/**
 * Requests arrive with their path percent-encoded: a base path that is not written that way
 * (`"/ops/isr inspector"`) would never match one, and the inspector would be unreachable.
 */
function checkPathAsSent(basePath: string): void {
  let normalized: string;
  try {
    normalized = new URL(basePath, "http://inspector.invalid").pathname;
  } catch {
    normalized = "";
  }
  if (PATH_AS_SENT.test(basePath) && normalized === basePath) return;
  const hint =
    normalized !== "" && normalized !== basePath
      ? ` (as requests carry it: ${JSON.stringify(normalized)})`
      : "";
  throw new TypeError(
    `isr-plug inspector: "basePath" must be a URL path as browsers send it, percent-encoded and without "." or ".." segments${hint}, got ${describeValue(basePath)}`,
  );
}

function nameEngines(engines: InspectorOptions["engines"]): NamedEngine[] {
  if (engines === null || typeof engines !== "object") {
    fail("engines", "an array of engines or a record of name → engine", engines);
  }
  const pairs: [string, unknown][] = Array.isArray(engines)
    ? engines.map((engine) => [(engine as { namespace?: unknown })?.namespace as string, engine])
    : Object.entries(engines);
  if (pairs.length === 0) fail("engines", "a non-empty list", engines);
  const seen = new Set<string>();
  return pairs.map(([name, engine]) => {
    const candidate = engine as Partial<InspectableEngine>;
    const inspection = inspectionOf(engine);
    if (
      inspection === undefined ||
      typeof candidate.stats !== "function" ||
      typeof candidate.invalidate !== "function" ||
      typeof candidate.invalidateTag !== "function" ||
      typeof candidate.on !== "function"
    ) {
      fail(`engines.${String(name)}`, "an engine from createIsr (or an adapter's .isr)", engine);
    }
    if (typeof name !== "string" || name === "") fail("engines", "named by non-empty strings", name);
    if (seen.has(name)) {
      throw new TypeError(
        `isr-plug inspector: two engines are named "${name}"; pass a record { name: engine } to tell them apart`,
      );
    }
    seen.add(name);
    return { name, engine: candidate as InspectableEngine, inspection };
  });
}

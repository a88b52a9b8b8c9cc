import { ACTION_PATHS, runAction } from "./actions.js";
import { type Admission, Gate } from "./auth.js";
import { DurationWindow } from "./durations.js";
import { type FleetView, keyId, readFleet, scannerOf } from "./fleet.js";
import { type NodeNext, type NodeRequestLike, type NodeResponseLike, serveNode } from "./node.js";
import { type InspectorOptions, resolveInspectorOptions } from "./options.js";
import { newNonce, renderLogin, renderPage } from "./page.js";
import { RateSampler } from "./rates.js";
import { html, json, noContent } from "./responses.js";
import { overHttps, Sessions } from "./session.js";
import { Shared } from "./shared.js";
import { type InspectorSnapshot, takeSnapshot, type WatchedEngine } from "./snapshot.js";

/** The inspector: one Web-standard handler, and the same for Node's req/res. */
export interface Inspector {
  /** The path it answers under, without a trailing slash ("" at the root). */
  readonly basePath: string;
  /** True when `pathname` (as the request carries it, percent-encoded) is the inspector's. */
  handles(pathname: string): boolean;
  /** Web-standard handler (Hono, Next.js route handlers, Bun, Deno, workers). Never rejects. */
  fetch(request: Request): Promise<Response>;
  /**
   * Node handler (node:http, Express, Connect; Koa and Fastify through their raw req/res).
   * A request outside `basePath` goes to `next`, or gets a 404 without it. Never rejects.
   */
  node(req: NodeRequestLike, res: NodeResponseLike, next?: NodeNext): Promise<void>;
  /** Stops listening to the engines' `fetchEnd` events (the durations it shows). */
  close(): void;
}

/** The clocks the inspector reads; tests pass their own. */
export interface InspectorClocks {
  /** Monotonic ms, for rates, durations and how long a snapshot is shared. */
  monotonic: () => number;
  /** Wall clock ms since the epoch, for session cookies and the snapshot's `now`. */
  wall: () => number;
}

const REAL_CLOCKS: InspectorClocks = { monotonic: () => performance.now(), wall: () => Date.now() };

/** A fleet view scans the store: never more often than this, whatever `pollMs` is. */
export const FLEET_EVERY_MS = 5_000;

/**
 * A request a browser made for another site's page, which must not act on the cache with
 * the user's cookies. Navigations to the page are fine: a link to the inspector may come
 * from anywhere.
 */
function crossSite(request: Request): boolean {
  const site = request.headers.get("sec-fetch-site");
  return site !== null && site !== "same-origin" && site !== "none";
}

/** A custom header cannot be sent cross-site without a CORS preflight, which is never answered. */
const ACTION_HEADER = "x-isr-inspector";

function withoutActionHeader(request: Request): Response | undefined {
  if (request.headers.get(ACTION_HEADER) === "1") return undefined;
  return json(403, { error: `actions need the header ${ACTION_HEADER}: 1` });
}

/**
 * Creates the inspector. Requires `token` or `authorize`; shows values only with
 * `showValues: true`. See docs/API.md for mounting it in each framework.
 */
export function createInspector(options: InspectorOptions): Inspector {
  return buildInspector(options, REAL_CLOCKS);
}

/** `createInspector` on the clocks given. @internal */
export function buildInspector(options: InspectorOptions, clocks: InspectorClocks): Inspector {
  const resolved = resolveInspectorOptions(options);
  const { basePath, showValues, pollMs } = resolved;
  const sessions =
    resolved.token === undefined ? undefined : new Sessions(resolved.token, basePath, clocks.wall);
  const gate = new Gate(resolved.token, sessions, resolved.authorize);

  const stops: (() => void)[] = [];
  const watched: WatchedEngine[] = resolved.engines.map((named) => {
    const durations = new DurationWindow();
    stops.push(
      named.engine.on("fetchEnd", (event) => durations.record(clocks.monotonic(), event.durationMs)),
    );
    const sampler = new RateSampler();
    // A first sample now: rates then cover the minutes before the first page is opened.
    sampler.observe(clocks.monotonic(), named.engine.stats(), durations);
    return { ...named, durations, sampler, fleet: scannerOf(named.engine) !== undefined };
  });
  const byName = new Map(watched.map((named) => [named.name, named]));

  const snapshot = new Shared<InspectorSnapshot>(
    () => takeSnapshot(watched, { showValues, pollMs }, { at: clocks.monotonic(), wallNow: clocks.wall() }),
    pollMs,
    clocks.monotonic,
  );
  const fleets = new Map<string, Shared<FleetView>>();
  for (const named of watched) {
    const scanner = scannerOf(named.engine);
    if (scanner === undefined) continue;
    const read = async () => {
      const listed = (await snapshot.get()).namespaces.find((ns) => ns.name === named.name);
      const local = new Set((listed?.entries ?? []).map((entry) => keyId(entry.key)));
      return readFleet(named.name, named.engine, scanner, local);
    };
    fleets.set(named.name, new Shared(read, Math.max(pollMs, FLEET_EVERY_MS), clocks.monotonic));
  }
  const changed = (name: string) => {
    snapshot.expire();
    fleets.get(name)?.expire();
  };

  const relative = (pathname: string): string | undefined => {
    if (pathname === basePath) return "";
    if (pathname.startsWith(`${basePath}/`)) return pathname.slice(basePath.length);
    return undefined;
  };

  const unauthorized = (request: Request, url: URL, page: boolean): Response => {
    const challenge = gate.usesToken
      ? { "www-authenticate": 'Bearer realm="isr-plug inspector"' }
      : undefined;
    if (page && (request.headers.get("accept") ?? "").includes("text/html")) {
      const nonce = newNonce();
      const login = { basePath, usesToken: gate.usesToken, tokenInQuery: url.searchParams.has("token") };
      return html(401, renderLogin(login, nonce), nonce, challenge);
    }
    return json(401, { error: "unauthorized" }, challenge);
  };

  /** `POST /session` trades the token (a Bearer header) for a cookie; `DELETE` ends it. */
  const session = async (request: Request): Promise<Response> => {
    if (sessions === undefined) return json(404, { error: "not found" });
    if (request.method !== "POST" && request.method !== "DELETE") {
      return json(405, { error: "method not allowed" }, { allow: "POST, DELETE" });
    }
    const refused = withoutActionHeader(request);
    if (refused !== undefined) return refused;
    const secure = overHttps(request);
    if (request.method === "DELETE") return noContent({ "set-cookie": sessions.clear(secure) });
    if (!(await gate.hasToken(request))) {
      return json(
        401,
        { error: "unauthorized" },
        { "www-authenticate": 'Bearer realm="isr-plug inspector"' },
      );
    }
    return noContent({ "set-cookie": await sessions.issue(secure) });
  };

  const route = async (request: Request, url: URL, path: string): Promise<Response> => {
    const method = request.method;
    if (path === "" || path === "/") {
      if (method !== "GET") return json(405, { error: "method not allowed" }, { allow: "GET" });
      const nonce = newNonce();
      const config = { basePath, pollMs, showValues, signOut: sessions !== undefined };
      return html(200, renderPage(config, nonce), nonce);
    }
    if (path === "/api" || path === "/api/fleet") {
      if (method !== "GET") return json(405, { error: "method not allowed" }, { allow: "GET" });
      if (path === "/api") return json(200, await snapshot.get());
      const name = url.searchParams.get("engine") ?? "";
      if (!byName.has(name)) return json(404, { error: "unknown engine" });
      const fleet = fleets.get(name);
      if (fleet === undefined)
        return json(404, { error: "no fleet view: this engine's store cannot list its entries" });
      return json(200, await fleet.get());
    }
    const action = ACTION_PATHS[path];
    if (action !== undefined) {
      if (method !== "POST") return json(405, { error: "method not allowed" }, { allow: "POST" });
      return withoutActionHeader(request) ?? runAction(action, url, { byName, snapshot, changed });
    }
    return json(404, { error: "not found" });
  };

  const renewed = async (response: Response, request: Request, admission: Admission): Promise<Response> => {
    if (admission.allowed && admission.by === "session" && admission.renew && sessions !== undefined) {
      response.headers.append("set-cookie", await sessions.issue(overHttps(request)));
    }
    return response;
  };

  const fetch = async (request: Request): Promise<Response> => {
    try {
      const url = new URL(request.url);
      const path = relative(url.pathname);
      if (path === undefined) return json(404, { error: "not found" });
      const page = path === "" || path === "/";
      if (!page && crossSite(request)) return json(403, { error: "cross-site request refused" });
      if (path === "/session") return await session(request);
      let admission: Admission;
      try {
        admission = await gate.admit(request);
      } catch {
        // Fail closed, and keep the hook's error (which may describe the session) out of the response.
        return json(500, { error: "authorize failed" });
      }
      if (!admission.allowed) return unauthorized(request, url, page);
      return await renewed(await route(request, url, path), request, admission);
    } catch {
      return json(500, { error: "internal error" });
    }
  };

  return {
    basePath,
    handles: (pathname) => relative(pathname) !== undefined,
    fetch,
    node: (req, res, next) => serveNode(req, res, next, { handles: (p) => relative(p) !== undefined, fetch }),
    close: () => {
      for (const stop of stops.splice(0)) stop();
    },
  };
}

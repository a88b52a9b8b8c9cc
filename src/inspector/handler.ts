import { Gate } from "./auth.js";
import { type NodeNext, type NodeRequestLike, type NodeResponseLike, serveNode } from "./node.js";
import { type InspectorOptions, type NamedEngine, resolveInspectorOptions } from "./options.js";
import { contentSecurityPolicy, newNonce, renderLogin, renderPage } from "./page.js";
import { messageOf, takeSnapshot } from "./snapshot.js";

/** The inspector: one Web-standard handler, and the same for Node's req/res. */
export interface Inspector {
  /** The path it answers under, without a trailing slash ("" at the root). */
  readonly basePath: string;
  /** True when `pathname` is the inspector's (its base path or below). */
  handles(pathname: string): boolean;
  /** Web-standard handler (Hono, Next.js route handlers, Bun, Deno, workers). Never rejects. */
  fetch(request: Request): Promise<Response>;
  /**
   * Node handler (node:http, Express, Connect; Koa and Fastify through their raw req/res).
   * A request outside `basePath` goes to `next`, or gets a 404 without it. Never rejects.
   */
  node(req: NodeRequestLike, res: NodeResponseLike, next?: NodeNext): Promise<void>;
}

const SECURITY_HEADERS: Record<string, string> = {
  "cache-control": "no-store",
  // The page's own requests must not carry its URL (which may hold ?token=) in a Referer.
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
};

function json(status: number, body: unknown, extra?: Record<string, string>): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { ...SECURITY_HEADERS, "content-type": "application/json; charset=utf-8", ...extra },
  });
}

function html(status: number, body: string, nonce: string, extra?: Record<string, string>): Response {
  return new Response(body, {
    status,
    headers: {
      ...SECURITY_HEADERS,
      "content-type": "text/html; charset=utf-8",
      "content-security-policy": contentSecurityPolicy(nonce),
      ...extra,
    },
  });
}

/**
 * A request a browser made for another site's page, which must not act on the cache with
 * the user's cookies (for `authorize` hooks that read them). Navigations to the page are
 * fine: a link to the inspector may come from anywhere.
 */
function crossSite(request: Request): boolean {
  const site = request.headers.get("sec-fetch-site");
  return site !== null && site !== "same-origin" && site !== "none";
}

/**
 * Creates the inspector. Requires `token` or `authorize`; shows values only with
 * `showValues: true`. See docs/observability.md for mounting it in each framework.
 */
export function createInspector(options: InspectorOptions): Inspector {
  const resolved = resolveInspectorOptions(options);
  const { basePath, showValues, pollMs, engines } = resolved;
  const gate = new Gate(resolved.token, resolved.authorize);
  const byName = new Map(engines.map((named) => [named.name, named]));

  const relative = (pathname: string): string | undefined => {
    if (pathname === basePath) return "";
    if (pathname.startsWith(`${basePath}/`)) return pathname.slice(basePath.length);
    return undefined;
  };

  const unauthorized = (request: Request, page: boolean): Response => {
    const challenge = gate.usesToken
      ? { "www-authenticate": 'Bearer realm="isr-plug inspector"' }
      : undefined;
    if (page && (request.headers.get("accept") ?? "").includes("text/html")) {
      const nonce = newNonce();
      return html(401, renderLogin(nonce, gate.usesToken), nonce, challenge);
    }
    return json(401, { error: "unauthorized" }, challenge);
  };

  const act = async (action: "invalidate" | "revalidate", url: URL): Promise<Response> => {
    const named = byName.get(url.searchParams.get("engine") ?? "");
    const id = url.searchParams.get("id");
    if (named === undefined) return json(404, { error: "unknown engine" });
    if (id === null || id === "") return json(400, { error: "missing id" });
    return action === "revalidate" ? revalidate(named, id) : invalidate(named, id);
  };

  const route = async (request: Request, url: URL, path: string): Promise<Response> => {
    const method = request.method;
    if (path === "" || path === "/") {
      if (method !== "GET") return json(405, { error: "method not allowed" }, { allow: "GET" });
      const nonce = newNonce();
      return html(200, renderPage({ basePath, pollMs, showValues }, nonce), nonce);
    }
    if (path === "/api") {
      if (method !== "GET") return json(405, { error: "method not allowed" }, { allow: "GET" });
      return json(200, await takeSnapshot(engines, showValues));
    }
    if (path === "/api/invalidate" || path === "/api/revalidate") {
      if (method !== "POST") return json(405, { error: "method not allowed" }, { allow: "POST" });
      // A custom header cannot be sent cross-site without a CORS preflight, which this
      // handler never answers: a form or link on another site cannot trigger an action.
      if (request.headers.get("x-isr-inspector") !== "1") {
        return json(403, { error: "actions need the header x-isr-inspector: 1" });
      }
      return act(path === "/api/revalidate" ? "revalidate" : "invalidate", url);
    }
    return json(404, { error: "not found" });
  };

  const fetch = async (request: Request): Promise<Response> => {
    try {
      const url = new URL(request.url);
      const path = relative(url.pathname);
      if (path === undefined) return json(404, { error: "not found" });
      const page = path === "" || path === "/";
      if (!page && crossSite(request)) return json(403, { error: "cross-site request refused" });
      const queryToken = page && request.method === "GET" ? url.searchParams.get("token") : null;
      let allowed: boolean;
      try {
        allowed = await gate.allows(request, queryToken);
      } catch {
        // Fail closed, and keep the hook's error (which may describe the session) out of the response.
        return json(500, { error: "authorize failed" });
      }
      if (!allowed) return unauthorized(request, page);
      return await route(request, url, path);
    } catch {
      return json(500, { error: "internal error" });
    }
  };

  return {
    basePath,
    handles: (pathname) => relative(pathname) !== undefined,
    fetch,
    node: (req, res, next) => serveNode(req, res, next, { handles: (p) => relative(p) !== undefined, fetch }),
  };
}

async function revalidate(named: NamedEngine, id: string): Promise<Response> {
  const listed = (await named.engine.inspect()).some((entry) => entry.id === id);
  if (!listed) return json(404, { error: "unknown id" });
  try {
    await named.revalidateById(id);
    return json(200, { ok: true });
  } catch (error) {
    // The origin's error is what the page shows as the key's last error anyway.
    return json(502, { ok: false, error: messageOf(error) });
  }
}

async function invalidate(named: NamedEngine, id: string): Promise<Response> {
  const entry = (await named.engine.inspect()).find((e) => e.id === id);
  if (entry === undefined) return json(404, { error: "unknown id" });
  await named.engine.invalidate(entry.key);
  return json(200, { ok: true });
}

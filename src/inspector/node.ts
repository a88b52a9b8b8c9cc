import { SECURITY_HEADERS } from "./responses.js";

/**
 * Node's request as the inspector reads it: `http.IncomingMessage`, Express's `req` (whose
 * `originalUrl` keeps the mount path), `ctx.req` in Koa, `request.raw` in Fastify.
 * Structural, so the types of the Web entry do not depend on @types/node.
 */
export interface NodeRequestLike {
  method?: string | undefined;
  url?: string | undefined;
  originalUrl?: string | undefined;
  headers: Record<string, string | string[] | undefined>;
  readableEnded?: boolean;
  resume?(): unknown;
  /** A TLS socket (`encrypted: true`) makes the request's URL https, for the cookie's `Secure`. */
  socket?: object | null | undefined;
}

/** Node's response as the inspector writes it: `http.ServerResponse` and what wraps it. */
export interface NodeResponseLike {
  statusCode: number;
  readonly headersSent?: boolean;
  setHeader(name: string, value: string | string[]): unknown;
  end(chunk: Uint8Array): unknown;
}

export type NodeNext = (error?: unknown) => void;

interface WebSide {
  handles(pathname: string): boolean;
  fetch(request: Request): Promise<Response>;
}

function pathnameOf(target: string): string {
  const end = target.search(/[?#]/);
  return end === -1 ? target : target.slice(0, end);
}

/**
 * Builds the Web Request the inspector reads. Bodies are never read: actions carry their
 * arguments in the query, so the stream may already have been consumed by a body parser
 * (Fastify, express.json) without harm.
 */
function toRequest(req: NodeRequestLike, target: string): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name.startsWith(":")) continue;
    headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  const socket = req.socket as { encrypted?: unknown } | null | undefined;
  const scheme = socket?.encrypted === true ? "https" : "http";
  let url: URL;
  try {
    url = new URL(target, `${scheme}://${headers.get("host") ?? "localhost"}`);
  } catch {
    // A Host header that is not a host must not make the request unreadable.
    url = new URL(target, `${scheme}://localhost`);
  }
  return new Request(url, { method: req.method ?? "GET", headers });
}

async function send(res: NodeResponseLike, response: Response): Promise<void> {
  const body = new Uint8Array(await response.arrayBuffer());
  if (res.headersSent) return;
  res.statusCode = response.status;
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie") res.setHeader(name, value);
  });
  // Each cookie is its own header line; forEach would hand them over one by one, each replacing the last.
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) res.setHeader("set-cookie", cookies);
  res.end(body);
}

function plainJson(status: number, error: string): Response {
  return new Response(JSON.stringify({ error }), {
    status,
    headers: { ...SECURITY_HEADERS, "content-type": "application/json; charset=utf-8" },
  });
}

export async function serveNode(
  req: NodeRequestLike,
  res: NodeResponseLike,
  next: NodeNext | undefined,
  web: WebSide,
): Promise<void> {
  const target = req.originalUrl ?? req.url ?? "/";
  if (!web.handles(pathnameOf(target))) {
    if (next !== undefined) next();
    else await send(res, plainJson(404, "not found"));
    return;
  }
  // An unread body would otherwise hold the connection's next request back.
  if (req.readableEnded === false) req.resume?.();
  let request: Request;
  try {
    request = toRequest(req, target);
  } catch {
    await send(res, plainJson(400, "bad request"));
    return;
  }
  await send(res, await web.fetch(request));
}

import {
  type IncomingHttpHeaders,
  IncomingMessage,
  type OutgoingHttpHeaders,
  type RequestListener,
  ServerResponse,
} from "node:http";
import type { Socket } from "node:net";
import { Duplex, type Readable, Transform } from "node:stream";
import onHeaders from "on-headers";
import { RENDER_MARKER_HEADER, type ResponseCache } from "../response/cache.js";
import type { ResponseCapture } from "../response/capture.js";
import type { PageRequest } from "../response/options.js";
import type { Rendered } from "../response/page.js";
import { replayedHeaders } from "../response/safety.js";
import type { CachedAnswer } from "../response/serve.js";
import { CACHE_STATUS_HEADER, withCacheStatusMember } from "./cache-status.js";

/** The request as the response cache reads it, from Node's headers. */
export function nodePageRequest(method: string, url: string, headers: IncomingHttpHeaders): PageRequest {
  return {
    method,
    url,
    host: headers.host ?? headers[":authority"]?.toString() ?? "",
    header: (name) => {
      const value = headers[name];
      return Array.isArray(value) ? value.join(", ") : value;
    },
  };
}

/** Node's response headers as lower-case pairs, a repeated header (Set-Cookie) once per value. */
export function nodeHeaderPairs(headers: OutgoingHttpHeaders): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    if (Array.isArray(value)) for (const item of value) pairs.push([lower, String(item)]);
    else pairs.push([lower, String(value)]);
  }
  return pairs;
}

/** A cached answer's headers as Node takes them: a repeated name becomes an array. */
export function nodeHeadersOf(answer: CachedAnswer): OutgoingHttpHeaders {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of answer.headers) {
    const existing = headers[name];
    if (existing === undefined) headers[name] = value;
    else headers[name] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return headers;
}

/** Writes a cached answer on a Node response. */
export function writeAnswer(res: ServerResponse, answer: CachedAnswer): void {
  res.writeHead(answer.status, nodeHeadersOf(answer));
  res.end(answer.body);
}

/** Adds this cache's `Cache-Status` member to a Node response's headers. */
export function addCacheStatusMember(
  res: Pick<ServerResponse, "getHeader" | "setHeader">,
  member: string,
): void {
  res.setHeader(CACHE_STATUS_HEADER, withCacheStatusMember(res.getHeader(CACHE_STATUS_HEADER), member));
}

/**
 * Request headers a render on the client's own response must not see: answered with `304`
 * or `206`, the render would be nothing to store. The client gets the whole page instead,
 * which a server may always send (RFC 9110 §13.2.1).
 */
const CONDITIONAL = [
  "if-none-match",
  "if-modified-since",
  "if-match",
  "if-unmodified-since",
  "if-range",
  "range",
];

export function dropConditionals(headers: IncomingHttpHeaders): void {
  for (const name of CONDITIONAL) delete headers[name];
}

const toBytes = (chunk: unknown, encoding: unknown): Uint8Array =>
  typeof chunk === "string"
    ? Buffer.from(chunk, typeof encoding === "string" ? (encoding as BufferEncoding) : "utf8")
    : (chunk as Uint8Array);

/**
 * Captures what the route writes on a Node response while it goes to the client: the head
 * when it is written (`on-headers`), every chunk of `write` and `end`. Nothing is held back:
 * a streamed response reaches its client as it is written, and is stored once it ends.
 */
export function captureNodeResponse(
  res: ServerResponse,
  capture: ResponseCapture,
  cacheStatus: string | undefined,
): void {
  onHeaders(res, () => {
    // Read before this cache's own member is added, which must not be stored with the page.
    capture.head(res.statusCode, nodeHeaderPairs(res.getHeaders()));
    if (cacheStatus !== undefined) addCacheStatusMember(res, cacheStatus);
  });
  const write = res.write;
  const end = res.end;
  res.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
    if (capture.wanted && chunk != null) capture.write(toBytes(chunk, rest[0]));
    return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  } as ServerResponse["write"];
  res.end = function (this: ServerResponse, chunk?: unknown, ...rest: unknown[]) {
    if (capture.wanted && chunk != null && typeof chunk !== "function")
      capture.write(toBytes(chunk, rest[0]));
    const ended = (end as (...args: unknown[]) => ServerResponse).call(this, chunk, ...rest);
    capture.end();
    return ended;
  } as ServerResponse["end"];
  // Closed before `end`: the client went away; nothing complete to store.
  res.once("close", () => capture.abort());
}

/** A stream body passed through unchanged, each chunk captured; stored once it ends. */
export function tapStream(body: Readable, capture: ResponseCapture): Readable {
  const tap = new Transform({
    transform(chunk: Uint8Array, _encoding, done) {
      if (capture.wanted) capture.write(chunk);
      done(null, chunk);
    },
    flush(done) {
      capture.end();
      done();
    },
  });
  body.once("error", (error) => tap.destroy(error));
  tap.once("close", () => capture.abort());
  return body.pipe(tap);
}

/**
 * The headers of a render without a client: those of the request that asked for it (not
 * conditionals), and the cache's marker, so that it passes the cache by and runs the route.
 */
function renderHeaders(
  request: Pick<IncomingMessage, "headers">,
  cache: ResponseCache,
): Record<string, string> {
  const headers = replayedHeaders(Object.entries(request.headers));
  headers[RENDER_MARKER_HEADER] = cache.renderToken;
  return headers;
}

/**
 * A render without a client on Node's own request and response classes, over a socket that
 * discards what is written: the response is captured as a live one is. Express and Koa: no
 * injection library is needed (and `light-my-request`'s Express detection rewrites the app's
 * own request and response prototypes, breaking it for real traffic).
 */
export function nodeRender(
  dispatch: RequestListener,
  request: Pick<IncomingMessage, "headers">,
  url: string,
  cache: ResponseCache,
): Promise<Rendered> {
  const headers = renderHeaders(request, cache);
  const socket = new Duplex({
    read() {},
    write(_chunk, _encoding, done) {
      done();
    },
  }) as unknown as Socket;
  const req = new IncomingMessage(socket);
  req.method = "GET";
  req.url = url;
  req.headers = headers;
  req.rawHeaders = Object.entries(headers).flat();
  req.httpVersion = "1.1";
  req.httpVersionMajor = 1;
  req.httpVersionMinor = 1;
  req.push(null);
  const res = new ServerResponse(req);
  res.assignSocket(socket);
  const capture = cache.capture();
  captureNodeResponse(res, capture, undefined);
  try {
    dispatch(req, res);
  } catch {
    capture.abort();
  }
  return capture.result;
}

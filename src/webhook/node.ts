import { type Answer, BodyConsumedError, type Delivery, TOO_LARGE } from "./core.js";
import { ANSWER_HEADERS } from "./web.js";

/**
 * Node's request as the webhook reads it: `http.IncomingMessage`, Express's `req`, `ctx.req`
 * in Koa, `request.raw` in Fastify. Structural, so no framework's types are needed.
 */
export interface WebhookNodeRequest {
  method?: string | undefined;
  headers: Record<string, string | string[] | undefined>;
  readableEnded?: boolean;
  /** Raw bytes a body parser left here (`express.raw()`); a parsed object cannot be checked. */
  body?: unknown;
  on(event: string, listener: (chunk: unknown) => void): unknown;
  removeListener(event: string, listener: (chunk: unknown) => void): unknown;
}

/** Node's response as the webhook writes it: `http.ServerResponse` and what wraps it. */
export interface WebhookNodeResponse {
  statusCode: number;
  readonly headersSent?: boolean;
  setHeader(name: string, value: string): unknown;
  end(chunk: string): unknown;
}

function asBytes(value: unknown): Uint8Array | undefined {
  if (value instanceof Uint8Array) return value;
  return typeof value === "string" ? Buffer.from(value, "utf8") : undefined;
}

/**
 * Reads the stream until its end, or until more than `limit` bytes came: then it stops
 * listening and keeps nothing (Node discards the rest once the answer is sent).
 */
function readBounded(req: WebhookNodeRequest, limit: number): Promise<Uint8Array | typeof TOO_LARGE> {
  const given = asBytes(req.body);
  if (given !== undefined) return Promise.resolve(given.byteLength > limit ? TOO_LARGE : given);
  if (req.readableEnded === true) return Promise.reject(new BodyConsumedError());
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    const stop = () => {
      req.removeListener("data", onData);
      req.removeListener("end", onEnd);
      req.removeListener("error", onError);
      req.removeListener("close", onClose);
    };
    const onData = (chunk: unknown) => {
      const bytes = asBytes(chunk) ?? new Uint8Array(0);
      size += bytes.byteLength;
      if (size > limit) {
        stop();
        chunks.length = 0;
        resolve(TOO_LARGE);
      } else {
        chunks.push(bytes);
      }
    };
    const onEnd = () => {
      stop();
      resolve(Buffer.concat(chunks));
    };
    const onError = (error: unknown) => {
      stop();
      reject(error);
    };
    // "close" before "end": the client went away mid-body.
    const onClose = () => onError(new Error("isr-plug webhook: the request closed before its body ended"));
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("close", onClose);
  });
}

export function nodeDelivery(req: WebhookNodeRequest): Delivery {
  return {
    method: req.method ?? "GET",
    header: (name) => {
      const value = req.headers[name];
      return Array.isArray(value) ? value.join(", ") : value;
    },
    read: (limit) => readBounded(req, limit),
  };
}

export function writeAnswer(res: WebhookNodeResponse, answer: Answer): void {
  if (res.headersSent === true) return;
  res.statusCode = answer.status;
  for (const [name, value] of Object.entries({ ...ANSWER_HEADERS, ...answer.headers }))
    res.setHeader(name, value);
  // The rest of an oversized body is not worth reading: close the connection after the answer.
  if (answer.status === 413) res.setHeader("connection", "close");
  res.end(JSON.stringify(answer.body));
}

import type { InvalidationMode } from "../tags.js";
import { REPLAY_MEMORY, type ResolvedWebhookOptions } from "./options.js";
import { type CheckedRevalidation, parseRevalidation } from "./payload.js";
import { ReplayGuard } from "./replay.js";
import {
  messageId,
  parseSignatureHeader,
  SIGNATURE_HEADER,
  signedByOneOf,
  signedPayload,
} from "./signature.js";
import { hasPaths } from "./target.js";

/** What a body read gives when the body is longer than the limit (it was not kept). */
export const TOO_LARGE = Symbol("too large");

/** The body could not be read because a body parser had read it first: a setup error, not the sender's. */
export class BodyConsumedError extends Error {
  constructor() {
    super(
      "isr-plug webhook: the request body was already read by a body parser; mount the webhook before it (or give it the raw bytes as req.body)",
    );
    this.name = "BodyConsumedError";
  }
}

/** One incoming request, whichever server it came through. */
export interface Delivery {
  method: string;
  header(name: string): string | undefined;
  /** The whole body, or TOO_LARGE as soon as more than `limit` bytes have come (keeping none of them). */
  read(limit: number): Promise<Uint8Array | typeof TOO_LARGE>;
}

/** The webhook's answer, before it becomes a Web `Response` or is written to Node's `res`. */
export interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

/** Every refused signature gets this one answer: which check failed is logged, never sent. */
const UNAUTHORIZED: Answer = { status: 401, body: { error: "invalid signature" } };

const MODES: Readonly<Record<CheckedRevalidation["mode"], InvalidationMode>> = {
  invalidate: "hard",
  revalidate: "soft",
};

const utf8 = new TextDecoder("utf-8", { fatal: true });

function declaredLength(delivery: Delivery): number | undefined {
  const header = delivery.header("content-length");
  return header !== undefined && /^[0-9]+$/.test(header) ? Number(header) : undefined;
}

/** The webhook's checks and actions, in the order a request meets them. */
export class WebhookCore {
  readonly #options: ResolvedWebhookOptions;
  readonly #replays = new ReplayGuard(REPLAY_MEMORY);

  constructor(options: ResolvedWebhookOptions) {
    this.#options = options;
  }

  async answer(delivery: Delivery): Promise<Answer> {
    const { log, maxBodyBytes, toleranceMs, secrets } = this.#options;
    if (delivery.method !== "POST") {
      return { status: 405, body: { error: "use POST" }, headers: { allow: "POST" } };
    }
    const header = parseSignatureHeader(delivery.header(SIGNATURE_HEADER));
    if (header === undefined) return this.#refuse("missing or malformed signature header");
    const tooLarge: Answer = { status: 413, body: { error: `the body is over ${maxBodyBytes} bytes` } };
    if ((declaredLength(delivery) ?? 0) > maxBodyBytes) return tooLarge;
    let body: Uint8Array | typeof TOO_LARGE;
    try {
      body = await delivery.read(maxBodyBytes);
    } catch (error) {
      if (error instanceof BodyConsumedError) {
        log.error({ err: error }, error.message);
        return { status: 500, body: { error: "the webhook is mounted after a body parser" } };
      }
      log.warn({ err: error }, "webhook: could not read the request body");
      return { status: 400, body: { error: "the body could not be read" } };
    }
    if (body === TOO_LARGE) return tooLarge;

    const payload = signedPayload(header.timestamp, body);
    if (!signedByOneOf(secrets, payload, header.signatures)) return this.#refuse("signature mismatch");
    const now = this.#options.now();
    const signedAt = header.timestamp * 1_000;
    if (Math.abs(now - signedAt) > toleranceMs) {
      return this.#refuse("timestamp outside the tolerance", { skewMs: now - signedAt });
    }
    const id = messageId(payload);
    const admitted = this.#replays.admit(id, signedAt + toleranceMs, now);
    if (admitted === "replay") {
      log.warn({ timestamp: header.timestamp }, "webhook refused: a signed message was sent again (replay)");
      return { status: 409, body: { error: "this signed message was already received" } };
    }
    if (admitted === "full") {
      log.warn(
        { remembered: REPLAY_MEMORY },
        "webhook refused: too many messages within the tolerance window",
      );
      return { status: 429, body: { error: "too many requests" }, headers: { "retry-after": "60" } };
    }

    const checked = this.#check(body);
    if ("status" in checked) {
      // Not acted upon: the same message, corrected and signed again, is a new one anyway.
      return checked;
    }
    try {
      await this.#apply(checked);
    } catch (error) {
      // The sender's retry of this very message must get through.
      this.#replays.forget(id);
      log.error({ err: error, tags: checked.tags, paths: checked.paths }, "webhook: revalidation failed");
      return { status: 500, body: { error: "revalidation failed" } };
    }
    log.info({ tags: checked.tags, paths: checked.paths, mode: checked.mode }, "webhook: revalidated");
    return {
      status: 200,
      body: {
        mode: checked.mode,
        tags: checked.tags,
        paths: checked.paths,
        targets: this.#options.targets.length,
      },
    };
  }

  #refuse(reason: string, fields: object = {}): Answer {
    this.#options.log.warn({ reason, ...fields }, `webhook refused: ${reason}`);
    return UNAUTHORIZED;
  }

  #check(body: Uint8Array): CheckedRevalidation | Answer {
    let text: string;
    try {
      text = utf8.decode(body);
    } catch {
      return { status: 400, body: { error: "the body is not UTF-8" } };
    }
    const parsed = parseRevalidation(text);
    if (!parsed.ok) return { status: 400, body: { error: parsed.error } };
    if (parsed.value.paths.length > 0 && !this.#options.takesPaths) {
      return {
        status: 400,
        body: {
          error:
            "paths cannot be revalidated here: no target has invalidatePath (an engine from createIsr takes tags only)",
        },
      };
    }
    return parsed.value;
  }

  /** Every tag to every target, every path to those that take paths; all run, then the first error is thrown. */
  async #apply({ tags, paths, mode }: CheckedRevalidation): Promise<void> {
    const options = { mode: MODES[mode] };
    const jobs: Promise<void>[] = [];
    for (const target of this.#options.targets) {
      for (const tag of tags) jobs.push(Promise.resolve().then(() => target.invalidateTag(tag, options)));
      if (!hasPaths(target)) continue;
      for (const path of paths) jobs.push(Promise.resolve().then(() => target.invalidatePath(path, options)));
    }
    const failed = (await Promise.allSettled(jobs)).find((result) => result.status === "rejected");
    if (failed !== undefined) throw failed.reason;
  }
}

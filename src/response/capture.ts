import type { ResolvedResponseOptions } from "./options.js";
import type { Rendered } from "./page.js";
import { headUnstorable } from "./safety.js";

/** Why a response was not stored when its body outgrew `maxBodyBytes`. */
export const TOO_BIG = "body larger than maxBodyBytes";

/**
 * Collects one response as it goes to its client: its head, then its body chunk by chunk.
 * `result` settles as soon as the response is known not to be storable (by its head, or a
 * body past `maxBodyBytes`, whose chunks then stop being kept), or once it ended. A server
 * error settles it with an empty body at once: the engine counts it as a failed render.
 */
export class ResponseCapture {
  readonly result: Promise<Rendered>;
  readonly #options: ResolvedResponseOptions;
  #settle!: (rendered: Rendered) => void;
  #done = false;
  #status = 0;
  #headers: Array<[string, string]> | undefined;
  #chunks: Uint8Array[] = [];
  #size = 0;

  constructor(options: ResolvedResponseOptions) {
    this.#options = options;
    this.result = new Promise((resolve) => {
      this.#settle = resolve;
    });
  }

  /** Whether the capture still wants the body. */
  get wanted(): boolean {
    return !this.#done;
  }

  /** The status and headers (lower-case names); false when the response cannot be stored. */
  head(status: number, headers: Array<[string, string]>): boolean {
    if (this.#done) return false;
    this.#status = status;
    this.#headers = headers;
    if (status >= 500) {
      this.#finish({ status, headers, body: new Uint8Array(0) });
      return false;
    }
    const reason = headUnstorable(status, headers, this.#options);
    if (reason === undefined) return true;
    this.#finish({ unstorable: reason });
    return false;
  }

  write(chunk: Uint8Array): void {
    if (this.#done) return;
    this.#size += chunk.length;
    if (this.#size > this.#options.maxBodyBytes) {
      this.#finish({ unstorable: TOO_BIG });
      return;
    }
    this.#chunks.push(chunk);
  }

  end(): void {
    if (this.#done) return;
    if (this.#headers === undefined) {
      this.#finish({ unstorable: "no response head" });
      return;
    }
    // A body shorter or longer than the length the route declared was cut off (a proxied
    // upstream that ended early): its client saw a broken response, and no one else may.
    const declared = this.#headers.find(([name]) => name === "content-length")?.[1];
    if (declared !== undefined && Number(declared) !== this.#size) {
      this.#finish({ unstorable: "incomplete" });
      return;
    }
    const body = new Uint8Array(this.#size);
    let offset = 0;
    for (const chunk of this.#chunks) {
      body.set(chunk, offset);
      offset += chunk.length;
    }
    this.#finish({ status: this.#status, headers: this.#headers, body });
  }

  /** The response did not complete (the client went away, the stream failed): nothing to store. */
  abort(): void {
    this.#finish({ unstorable: "incomplete" });
  }

  #finish(rendered: Rendered): void {
    if (this.#done) return;
    this.#done = true;
    this.#chunks = [];
    this.#settle(rendered);
  }
}

/** A Web `Response` (status, headers, body) read into a capture, for renders without a client. */
export async function drainInto(response: Response, capture: ResponseCapture): Promise<Rendered> {
  if (capture.head(response.status, webHeaders(response.headers)) && response.body !== null) {
    await readInto(response.body, capture);
  } else {
    await response.body?.cancel();
  }
  capture.end();
  return capture.result;
}

/** Reads a body stream into the capture until it ends or the capture stops wanting it. */
export async function readInto(body: ReadableStream<Uint8Array>, capture: ResponseCapture): Promise<void> {
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      capture.write(value);
      if (!capture.wanted) {
        await reader.cancel();
        return;
      }
    }
    capture.end();
  } catch {
    capture.abort();
  }
}

/** A Web `Headers` as lower-case pairs, each `Set-Cookie` its own. */
export function webHeaders(headers: Headers): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  headers.forEach((value, name) => {
    if (name !== "set-cookie") pairs.push([name, value]);
  });
  for (const cookie of headers.getSetCookie?.() ?? []) pairs.push(["set-cookie", cookie]);
  return pairs;
}

import type { InspectorAuthorize } from "./options.js";

const encoder = new TextEncoder();

/**
 * Both sides are hashed first, so the comparison takes the same time whatever the length
 * or content of the guess. Web Crypto, not node:crypto: this runs on workers too.
 */
async function digest(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  let difference = a.length ^ b.length;
  for (let i = 0; i < a.length; i++) difference |= (a[i] as number) ^ (b[i] ?? 0);
  return difference === 0;
}

/** The token of an `Authorization: Bearer <token>` header, if any. */
export function bearerToken(request: Request): string | undefined {
  const header = request.headers.get("authorization");
  if (header === null) return undefined;
  const match = /^Bearer[ \t]+(.+)$/i.exec(header.trim());
  return match?.[1]?.trim();
}

/** Lets a request through when it carries the token or `authorize` approves it. */
export class Gate {
  readonly #expected: Promise<Uint8Array> | undefined;
  readonly #authorize: InspectorAuthorize | undefined;

  constructor(token: string | undefined, authorize: InspectorAuthorize | undefined) {
    this.#expected = token === undefined ? undefined : digest(token);
    this.#authorize = authorize;
  }

  get usesToken(): boolean {
    return this.#expected !== undefined;
  }

  /**
   * `queryToken` is the page's `?token=`, accepted only for the page itself so that the
   * token never has to travel in the URLs of later requests. `authorize` errors propagate.
   */
  async allows(request: Request, queryToken: string | null): Promise<boolean> {
    const presented = bearerToken(request) ?? queryToken ?? undefined;
    if (this.#expected !== undefined && presented !== undefined) {
      if (sameBytes(await digest(presented), await this.#expected)) return true;
    }
    if (this.#authorize === undefined) return false;
    return (await this.#authorize(request)) === true;
  }
}

import type { InspectorAuthorize } from "./options.js";
import type { Sessions } from "./session.js";

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

/** How a request got in, if it did. */
export type Admission =
  | { allowed: false }
  | { allowed: true; by: "token" | "authorize" }
  | { allowed: true; by: "session"; renew: boolean };

/**
 * Lets a request through when it carries the token (as a Bearer header), a session cookie
 * the token signed, or `authorize` approves it. A token in the URL counts for nothing.
 */
export class Gate {
  readonly #expected: Promise<Uint8Array> | undefined;
  readonly #sessions: Sessions | undefined;
  readonly #authorize: InspectorAuthorize | undefined;

  constructor(
    token: string | undefined,
    sessions: Sessions | undefined,
    authorize: InspectorAuthorize | undefined,
  ) {
    this.#expected = token === undefined ? undefined : digest(token);
    this.#sessions = sessions;
    this.#authorize = authorize;
  }

  get usesToken(): boolean {
    return this.#expected !== undefined;
  }

  /** Whether the request's Bearer token is the configured one (compared in constant time). */
  async hasToken(request: Request): Promise<boolean> {
    const presented = bearerToken(request);
    if (this.#expected === undefined || presented === undefined) return false;
    return sameBytes(await digest(presented), await this.#expected);
  }

  /** `authorize` errors propagate. */
  async admit(request: Request): Promise<Admission> {
    if (await this.hasToken(request)) return { allowed: true, by: "token" };
    if (this.#sessions !== undefined) {
      const session = await this.#sessions.check(request);
      if (session.valid) return { allowed: true, by: "session", renew: session.renew };
    }
    if (this.#authorize !== undefined && (await this.#authorize(request)) === true) {
      return { allowed: true, by: "authorize" };
    }
    return { allowed: false };
  }
}

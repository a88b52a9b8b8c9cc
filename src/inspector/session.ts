/**
 * Browser sessions: the token is posted once (in a header, never a URL) and exchanged for a
 * short-lived `HttpOnly; SameSite=Strict` cookie. The cookie is `<expiresAt>.<signature>`,
 * an HMAC-SHA-256 keyed with the token: nothing is kept on the server, every process of a
 * fleet sharing the token accepts it, and changing the token ends every session.
 */

/** How long a session lasts; the page's polling renews it once half of that has passed. */
export const SESSION_MS = 60 * 60 * 1_000;
export const SESSION_COOKIE = "isr_inspector_session";

const encoder = new TextEncoder();

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

function fromBase64url(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return undefined;
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

/** The values of every cookie named `name` in a Cookie header (one per path it was set for). */
function cookieValues(header: string | null, name: string): string[] {
  if (header === null) return [];
  const values: string[] = [];
  for (const pair of header.split(";")) {
    const at = pair.indexOf("=");
    if (at > 0 && pair.slice(0, at).trim() === name) values.push(pair.slice(at + 1).trim());
  }
  return values;
}

/** Whether the browser reached us over HTTPS, directly or through a proxy that says so. */
export function overHttps(request: Request): boolean {
  if (new URL(request.url).protocol === "https:") return true;
  // Trusting a forged header only costs the forger: a Secure cookie is not kept over HTTP.
  const forwarded = request.headers.get("x-forwarded-proto")?.split(",")[0]?.trim().toLowerCase();
  return forwarded === "https";
}

export interface SessionCheck {
  valid: boolean;
  /** Past half its life: the answer should carry a fresh cookie. */
  renew: boolean;
}

export class Sessions {
  readonly #key: ReturnType<typeof crypto.subtle.importKey>;
  readonly #path: string;
  readonly #wallClock: () => number;

  /** `wallClock` is Date.now's shape: a cookie's Max-Age runs on the browser's wall clock. */
  constructor(token: string, basePath: string, wallClock: () => number) {
    this.#key = crypto.subtle.importKey(
      "raw",
      encoder.encode(token),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign", "verify"],
    );
    this.#path = basePath === "" ? "/" : basePath;
    this.#wallClock = wallClock;
  }

  /** A `Set-Cookie` value opening a session of `SESSION_MS`. */
  async issue(secure: boolean): Promise<string> {
    const expiresAt = this.#wallClock() + SESSION_MS;
    const signature = new Uint8Array(
      await crypto.subtle.sign("HMAC", await this.#key, this.#signed(expiresAt)),
    );
    return this.#cookie(`${expiresAt}.${base64url(signature)}`, SESSION_MS / 1_000, secure);
  }

  /** A `Set-Cookie` value that ends the session in this browser. */
  clear(secure: boolean): string {
    return this.#cookie("", 0, secure);
  }

  /** Whether the request carries a valid session cookie (the signature is checked by Web Crypto). */
  async check(request: Request): Promise<SessionCheck> {
    const now = this.#wallClock();
    for (const value of cookieValues(request.headers.get("cookie"), SESSION_COOKIE)) {
      const match = /^(\d{1,16})\.([A-Za-z0-9_-]{43})$/.exec(value);
      if (match === null) continue;
      const expiresAt = Number(match[1]);
      const signature = fromBase64url(match[2] as string);
      if (signature === undefined || expiresAt <= now || expiresAt > now + SESSION_MS) continue;
      if (await crypto.subtle.verify("HMAC", await this.#key, signature, this.#signed(expiresAt))) {
        return { valid: true, renew: expiresAt - now < SESSION_MS / 2 };
      }
    }
    return { valid: false, renew: false };
  }

  #signed(expiresAt: number): Uint8Array {
    return encoder.encode(`isr-plug inspector session\n${this.#path}\n${expiresAt}`);
  }

  #cookie(value: string, maxAgeSeconds: number, secure: boolean): string {
    const attributes = [
      `${SESSION_COOKIE}=${value}`,
      `Path=${this.#path}`,
      `Max-Age=${maxAgeSeconds}`,
      "HttpOnly",
      "SameSite=Strict",
    ];
    if (secure) attributes.push("Secure");
    return attributes.join("; ");
  }
}

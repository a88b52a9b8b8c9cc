import { contentSecurityPolicy } from "./page.js";

/** On every answer, the 404s and 400s outside `basePath` included. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "cache-control": "no-store",
  // Nothing the inspector answers should carry its URL to another site in a Referer.
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
});

export function json(status: number, body: unknown, extra?: Record<string, string>): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { ...SECURITY_HEADERS, "content-type": "application/json; charset=utf-8", ...extra },
  });
}

export function html(status: number, body: string, nonce: string, extra?: Record<string, string>): Response {
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

export function noContent(extra?: Record<string, string>): Response {
  return new Response(null, { status: 204, headers: { ...SECURITY_HEADERS, ...extra } });
}

/**
 * A weak validator for a body the route gave none: its length and a SHA-256 prefix, computed
 * with Web Crypto (Node, Bun, Deno and workers have it), once, when the page is stored.
 */
export async function weakEtagOf(body: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", body as Uint8Array<ArrayBuffer>));
  let hex = "";
  for (let i = 0; i < 12; i++) hex += (digest[i] as number).toString(16).padStart(2, "0");
  return `W/"${body.length.toString(16)}-${hex}"`;
}

/**
 * RFC 9110 §13.1.2: whether `If-None-Match` names the page's entity tag, by weak comparison
 * (`W/"a"` matches `"a"`), or is `*`.
 */
export function noneMatch(ifNoneMatch: string, etag: string): boolean {
  if (ifNoneMatch.trim() === "*") return true;
  const opaque = opaqueTag(etag);
  for (const candidate of ifNoneMatch.match(/(?:W\/)?"[^"]*"/g) ?? []) {
    if (opaqueTag(candidate) === opaque) return true;
  }
  return false;
}

const opaqueTag = (tag: string): string => (tag.startsWith("W/") ? tag.slice(2) : tag).trim();

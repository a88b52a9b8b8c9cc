import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/** The request header carrying the signature: `t=<unix seconds>,v1=<hex HMAC-SHA256>`. */
export const SIGNATURE_HEADER = "isr-signature";

/** Longer headers are refused unread: a signature header is about 80 bytes. */
const MAX_HEADER_LENGTH = 1_024;
/** A sender rotating secrets signs with each of them (Stripe does); more than this is not that. */
const MAX_SIGNATURES = 8;
const SHA256_HEX = /^[0-9a-f]{64}$/i;
const SECONDS = /^[0-9]{1,12}$/;

/** A parsed signature header: the signed timestamp and each `v1` HMAC as 32 bytes. */
export interface SignatureHeader {
  /** Unix seconds. */
  timestamp: number;
  signatures: Buffer[];
}

function bytesOf(body: string | Uint8Array): Uint8Array {
  return typeof body === "string" ? Buffer.from(body, "utf8") : body;
}

/** What is signed: `${timestamp}.${rawBody}`, so a signature cannot be moved to another time. */
export function signedPayload(timestamp: number, body: string | Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(`${timestamp}.`, "utf8"), bytesOf(body)]);
}

/**
 * The `isr-signature` header value for `body`, signed now (or at `now`, ms since the epoch).
 * The body must be sent byte for byte as signed.
 */
export function signRevalidation(
  secret: string,
  body: string | Uint8Array,
  now: number = Date.now(),
): string {
  if (typeof secret !== "string" || secret === "") {
    throw new TypeError("isr-plug webhook: signRevalidation needs the shared secret (a non-empty string)");
  }
  const timestamp = Math.floor(now / 1_000);
  const mac = createHmac("sha256", secret).update(signedPayload(timestamp, body)).digest("hex");
  return `t=${timestamp},v1=${mac}`;
}

/** Reads `t=…,v1=…[,v1=…]`; unknown fields are ignored (room for a later scheme). */
export function parseSignatureHeader(value: string | null | undefined): SignatureHeader | undefined {
  if (typeof value !== "string" || value.length > MAX_HEADER_LENGTH) return undefined;
  let timestamp: number | undefined;
  const signatures: Buffer[] = [];
  for (const part of value.split(",")) {
    const at = part.indexOf("=");
    if (at === -1) continue;
    const name = part.slice(0, at).trim();
    const field = part.slice(at + 1).trim();
    if (name === "t") {
      if (timestamp !== undefined || !SECONDS.test(field)) return undefined;
      timestamp = Number(field);
    } else if (name === "v1") {
      if (!SHA256_HEX.test(field) || signatures.length === MAX_SIGNATURES) return undefined;
      signatures.push(Buffer.from(field, "hex"));
    }
  }
  if (timestamp === undefined || signatures.length === 0) return undefined;
  return { timestamp, signatures };
}

/**
 * Whether one of the header's signatures is the HMAC of `payload` under one of `secrets`.
 * Every pair is compared, each with `timingSafeEqual` on two 32-byte buffers, so the time
 * taken says nothing about how much of a guess was right.
 */
export function signedByOneOf(
  secrets: readonly string[],
  payload: Buffer,
  signatures: readonly Buffer[],
): boolean {
  let matched = false;
  for (const secret of secrets) {
    const expected = createHmac("sha256", secret).update(payload).digest();
    for (const signature of signatures) {
      if (signature.length === expected.length && timingSafeEqual(expected, signature)) matched = true;
    }
  }
  return matched;
}

/** Names one signed message whichever secret signed it, for the replay guard. */
export function messageId(payload: Buffer): string {
  return createHash("sha256").update(payload).digest("base64");
}

import * as crypto from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import { ReplayGuard } from "../../src/webhook/replay.js";
import {
  parseSignatureHeader,
  signedByOneOf,
  signedPayload,
  signRevalidation,
} from "../../src/webhook/signature.js";
import { NOW, OLD_SECRET, SECRET } from "./fixtures.js";

// A spy around the real timingSafeEqual, to see how signatures are compared.
vi.mock("node:crypto", async (original) => {
  const real = await original<typeof import("node:crypto")>();
  return { ...real, timingSafeEqual: vi.fn(real.timingSafeEqual) };
});

describe("signRevalidation", () => {
  it("signs <unix seconds>.<body> with HMAC-SHA256, as a Stripe-style header", () => {
    const body = '{"tags":["posts"]}';
    const expected = crypto
      .createHmac("sha256", SECRET)
      .update(`${NOW / 1000}.${body}`)
      .digest("hex");
    expect(signRevalidation(SECRET, body, NOW + 999)).toBe(`t=${NOW / 1000},v1=${expected}`);
    // Bytes and the same text sign alike.
    expect(signRevalidation(SECRET, Buffer.from(body), NOW)).toBe(signRevalidation(SECRET, body, NOW));
  });
});

describe("signature check", () => {
  const body = '{"paths":["/"]}';
  const header = (secret: string) => parseSignatureHeader(signRevalidation(secret, body, NOW));

  it("reads t and every v1; ignores other schemes; refuses duplicates of t, bad hex and oversized headers", () => {
    const mac = signRevalidation(SECRET, body, NOW).split("v1=")[1] ?? "";
    expect(parseSignatureHeader(` t=${NOW / 1000} , v0=zz, v1=${mac.toUpperCase()}`)).toEqual({
      timestamp: NOW / 1000,
      signatures: [Buffer.from(mac, "hex")],
    });
    expect(parseSignatureHeader(`t=1,t=2,v1=${mac}`)).toBeUndefined();
    expect(parseSignatureHeader(`t=-1,v1=${mac}`)).toBeUndefined();
    expect(parseSignatureHeader(`t=1,v1=${mac.slice(0, 62)}zz`)).toBeUndefined();
    expect(parseSignatureHeader(`t=1,${`v1=${mac},`.repeat(9)}`)).toBeUndefined();
    expect(parseSignatureHeader(`t=1,v1=${mac},${"x".repeat(1_024)}`)).toBeUndefined();
    expect(parseSignatureHeader(null)).toBeUndefined();
  });

  it("compares every candidate with crypto.timingSafeEqual on two 32-byte buffers", () => {
    const compare = vi.mocked(crypto.timingSafeEqual);
    compare.mockClear();
    const parsed = header(OLD_SECRET);
    if (parsed === undefined) throw new Error("unparsed");
    const payload = signedPayload(parsed.timestamp, body);
    expect(signedByOneOf([SECRET, OLD_SECRET], payload, parsed.signatures)).toBe(true);
    // Both secrets were tried, though the first did not match and the second did: no early exit by secret.
    expect(compare).toHaveBeenCalledTimes(2);
    for (const [a, b] of compare.mock.calls) {
      expect([(a as Buffer).length, (b as Buffer).length]).toEqual([32, 32]);
    }
    compare.mockClear();
    expect(signedByOneOf([SECRET], payload, parsed.signatures)).toBe(false);
    expect(compare).toHaveBeenCalledTimes(1);
  });

  it("a signature differing in any one byte fails", () => {
    const parsed = header(SECRET);
    if (parsed === undefined) throw new Error("unparsed");
    const payload = signedPayload(parsed.timestamp, body);
    const [signature] = parsed.signatures as [Buffer];
    for (let i = 0; i < 32; i++) {
      const changed = Buffer.from(signature);
      changed[i] = (changed[i] as number) ^ 1;
      expect(signedByOneOf([SECRET], payload, [changed])).toBe(false);
    }
    expect(signedByOneOf([SECRET], payload, [signature])).toBe(true);
  });
});

describe("ReplayGuard", () => {
  it("remembers a message until its window ends, then forgets it", () => {
    const guard = new ReplayGuard(10);
    expect(guard.admit("a", 1_000, 0)).toBe("new");
    expect(guard.admit("a", 1_000, 999)).toBe("replay");
    expect(guard.admit("a", 2_000, 1_000)).toBe("new");
    guard.forget("a");
    expect(guard.admit("a", 2_000, 1_000)).toBe("new");
  });

  it("holds at most `capacity` messages: sweeps expired ones, and refuses rather than forget live ones", () => {
    const guard = new ReplayGuard(3);
    for (const id of ["a", "b", "c"]) expect(guard.admit(id, 100 + id.charCodeAt(0), 0)).toBe("new");
    expect(guard.admit("d", 500, 50)).toBe("full");
    expect(guard.admit("a", 500, 50)).toBe("replay");
    // At 197 "a" (until 197) has expired: swept, and "d" gets its place.
    expect(guard.admit("d", 500, 197)).toBe("new");
    expect(guard.size).toBe(3);
  });
});

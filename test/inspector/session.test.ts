import { describe, expect, it } from "vitest";
import { buildInspector } from "../../src/inspector/handler.js";
import { SESSION_COOKIE, SESSION_MS } from "../../src/inspector/session.js";
import { createInspector } from "../../src/inspector.js";
import { BASE, fakeClocks, get, signIn, TOKEN, tenantEngine } from "./fixtures.js";

const postSession = (headers: Record<string, string>, base = BASE) =>
  new Request(`${base}/session`, { method: "POST", headers });

describe("browser sessions: the token posted once, for a short-lived HttpOnly cookie", () => {
  const { isr } = tenantEngine();

  it("POST /session with the Bearer token sets an HttpOnly, SameSite=Strict cookie for one hour, under basePath", async () => {
    const inspector = createInspector({ engines: [isr], token: TOKEN });
    const { cookie, setCookie } = await signIn(inspector.fetch);
    expect(cookie).toMatch(new RegExp(`^${SESSION_COOKIE}=\\d+\\.[A-Za-z0-9_-]{43}$`));
    const attributes = setCookie.split("; ").slice(1);
    expect(attributes).toEqual([
      `Path=/isr-inspector`,
      `Max-Age=${SESSION_MS / 1000}`,
      "HttpOnly",
      "SameSite=Strict",
    ]);
    // The cookie never holds the token.
    expect(setCookie).not.toContain(TOKEN);
    for (const path of ["", "/", "/api"]) {
      expect((await inspector.fetch(get(path, { cookie }))).status).toBe(200);
    }
  });

  it("adds Secure when the browser came over HTTPS, directly or through a proxy that says so", async () => {
    const inspector = createInspector({ engines: [isr], token: TOKEN });
    const direct = await signIn(inspector.fetch, { base: "https://inspector.test/isr-inspector" });
    expect(direct.setCookie.split("; ")).toContain("Secure");
    const proxied = await signIn(inspector.fetch, { headers: { "x-forwarded-proto": "https" } });
    expect(proxied.setCookie.split("; ")).toContain("Secure");
    const plain = await signIn(inspector.fetch);
    expect(plain.setCookie.split("; ")).not.toContain("Secure");
  });

  it("refuses a wrong token, a missing action header, other methods, and has no sessions without a token", async () => {
    const inspector = createInspector({ engines: [isr], token: TOKEN });
    const wrong = await inspector.fetch(
      postSession({ authorization: "Bearer wrong-token-0123456789", "x-isr-inspector": "1" }),
    );
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("set-cookie")).toBeNull();
    const noHeader = await inspector.fetch(postSession({ authorization: `Bearer ${TOKEN}` }));
    expect(noHeader.status).toBe(403);
    const viaGet = await inspector.fetch(get("/session", { authorization: `Bearer ${TOKEN}` }));
    expect([viaGet.status, viaGet.headers.get("allow")]).toEqual([405, "POST, DELETE"]);
    const crossSite = await inspector.fetch(
      postSession({
        authorization: `Bearer ${TOKEN}`,
        "x-isr-inspector": "1",
        "sec-fetch-site": "cross-site",
      }),
    );
    expect(crossSite.status).toBe(403);
    const hookOnly = createInspector({ engines: [isr], authorize: () => true });
    expect(
      (await hookOnly.fetch(postSession({ authorization: `Bearer ${TOKEN}`, "x-isr-inspector": "1" })))
        .status,
    ).toBe(404);
  });

  it("a forged, altered or foreign cookie grants nothing", async () => {
    const inspector = createInspector({ engines: [isr], token: TOKEN });
    const { cookie } = await signIn(inspector.fetch);
    const [name, value = ""] = cookie.split("=");
    const [expiresAt = "", signature = ""] = value.split(".");
    const later = `${name}=${Number(expiresAt) + 1000}.${signature}`;
    const flipped = `${name}=${expiresAt}.${signature.startsWith("A") ? "B" : "A"}${signature.slice(1)}`;
    for (const forged of [later, flipped, `${name}=${expiresAt}.`, `${name}=${TOKEN}`]) {
      expect((await inspector.fetch(get("/api", { cookie: forged }))).status, forged).toBe(401);
    }
    // Signed with another token, or for another basePath: not this inspector's session.
    const otherToken = "another-token-0123456789abcdef";
    const other = createInspector({ engines: [isr], token: otherToken });
    const signedByOther = await signIn(other.fetch, { token: otherToken });
    expect((await inspector.fetch(get("/api", { cookie: signedByOther.cookie }))).status).toBe(401);
    const elsewhere = createInspector({ engines: [isr], token: TOKEN, basePath: "/ops" });
    const theirs = await signIn(elsewhere.fetch, { base: "http://inspector.test/ops" });
    expect((await inspector.fetch(get("/api", { cookie: theirs.cookie }))).status).toBe(401);
    // Among other cookies of the site, it is found.
    expect((await inspector.fetch(get("/api", { cookie: `theme=dark; ${cookie}; lang=en` }))).status).toBe(
      200,
    );
  });

  it("expires after an hour; a page that keeps polling gets it renewed past half its life", async () => {
    const clocks = fakeClocks();
    const inspector = buildInspector({ engines: [isr], token: TOKEN }, clocks);
    const { cookie } = await signIn(inspector.fetch);
    clocks.advance(SESSION_MS / 2 - 1_000);
    const early = await inspector.fetch(get("/api", { cookie }));
    expect(early.headers.get("set-cookie")).toBeNull();
    clocks.advance(2_000);
    const renewedAt = await inspector.fetch(get("/api", { cookie }));
    expect(renewedAt.status).toBe(200);
    const renewed = renewedAt.headers.get("set-cookie")?.split(";")[0] ?? "";
    expect(renewed).toMatch(new RegExp(`^${SESSION_COOKIE}=`));
    expect(renewed).not.toBe(cookie);
    clocks.advance(SESSION_MS / 2);
    expect((await inspector.fetch(get("/api", { cookie }))).status).toBe(401);
    expect((await inspector.fetch(get("/api", { cookie: renewed }))).status).toBe(200);
  });

  it("DELETE /session clears the cookie in the browser", async () => {
    const inspector = createInspector({ engines: [isr], token: TOKEN });
    const response = await inspector.fetch(
      new Request(`${BASE}/session`, { method: "DELETE", headers: { "x-isr-inspector": "1" } }),
    );
    expect(response.status).toBe(204);
    expect(response.headers.get("set-cookie")).toBe(
      `${SESSION_COOKIE}=; Path=/isr-inspector; Max-Age=0; HttpOnly; SameSite=Strict`,
    );
  });
});

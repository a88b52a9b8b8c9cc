import { describe, expect, it } from "vitest";
import { createInspector } from "../../src/inspector.js";
import { inspect } from "../../src/observe/inspection.js";
import { action, authorized, BASE, get, inspectorFor, TOKEN, tenantEngine } from "./fixtures.js";

describe("inspector options", () => {
  const { isr } = tenantEngine();

  it("require a token or an authorize hook", () => {
    expect(() => createInspector({ engines: [isr] })).toThrow(
      new TypeError(
        'isr-plug inspector: "token" or "authorize" is required; the inspector shows and changes your cache',
      ),
    );
  });

  it("refuse a short token without echoing it", () => {
    const attempt = () => createInspector({ engines: [isr], token: "hunter2" });
    expect(attempt).toThrow(TypeError);
    expect(attempt).toThrow('"token" must be a string of at least 16 characters, got 7 characters');
    expect(attempt).not.toThrow(/hunter2/);
  });

  it("refuse non-engines, unknown options and two engines of one namespace", () => {
    expect(() => createInspector({ engines: [{} as never], token: TOKEN })).toThrow(
      /"engines.undefined" must be an engine from createIsr/,
    );
    expect(() => createInspector({ engines: [], token: TOKEN })).toThrow(/non-empty/);
    expect(() => createInspector({ engines: [isr], token: TOKEN, values: true } as never)).toThrow(
      'unknown option "values"',
    );
    const twin = tenantEngine("settings").isr;
    expect(() => createInspector({ engines: [isr, twin], token: TOKEN })).toThrow(
      'two engines are named "settings"',
    );
    expect(() => createInspector({ engines: { a: isr, b: twin }, token: TOKEN })).not.toThrow();
    expect(() => createInspector({ engines: [isr], token: TOKEN, basePath: "inspector" })).toThrow(
      /"basePath" must be a path starting with "\/"/,
    );
    expect(() => createInspector({ engines: [isr], token: TOKEN, pollMs: 10 })).toThrow(/"pollMs"/);
  });
});

describe("inspector authentication", () => {
  const { isr } = tenantEngine();
  const inspector = inspectorFor([isr]);

  it.each([
    ["no credentials", {}],
    ["a wrong token", { authorization: "Bearer wrong-token-0123456789abcdef" }],
    ["a token one character short", { authorization: `Bearer ${TOKEN.slice(0, -1)}` }],
    ["another scheme", { authorization: `Basic ${TOKEN}` }],
  ])("answers 401 to a request with %s", async (_, headers) => {
    for (const path of ["", "/", "/api"]) {
      const response = await inspector.fetch(get(path, headers));
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toBe('Bearer realm="isr-plug inspector"');
      expect(await response.json()).toEqual({ error: "unauthorized" });
    }
    const refused = await inspector.fetch(
      new Request(`${BASE}/api/invalidate?engine=settings&id=x`, {
        method: "POST",
        headers: { "x-isr-inspector": "1", ...headers },
      }),
    );
    expect(refused.status).toBe(401);
  });

  it("accepts the bearer token, whatever the case of the scheme", async () => {
    expect((await inspector.fetch(authorized("/api"))).status).toBe(200);
    expect((await inspector.fetch(get("/api", { authorization: `bearer  ${TOKEN}` }))).status).toBe(200);
  });

  it("grants nothing for a token in the URL: not the page, not the API, not an action", async () => {
    const page = await inspector.fetch(get(`?token=${TOKEN}`));
    expect(page.status).toBe(401);
    expect(await page.json()).toEqual({ error: "unauthorized" });
    expect((await inspector.fetch(get(`/?token=${TOKEN}`, { accept: "text/html" }))).status).toBe(401);
    expect((await inspector.fetch(get(`/api?token=${TOKEN}`))).status).toBe(401);
    const [entry] = await inspect(isr);
    const viaQuery = new Request(
      `${BASE}/api/invalidate?engine=settings&id=${entry?.id ?? "x"}&token=${TOKEN}`,
      {
        method: "POST",
        headers: { "x-isr-inspector": "1" },
      },
    );
    expect((await inspector.fetch(viaQuery)).status).toBe(401);
  });

  it("shows a browser without credentials a sign-in form that posts the token in a header, and no data", async () => {
    const response = await inspector.fetch(get("", { accept: "text/html,*/*" }));
    expect(response.status).toBe(401);
    const body = await response.text();
    expect(body).toContain('<input id="token" name="token" type="password"');
    // Submitted by the script (POST /session with Authorization); never a GET form with ?token=.
    expect(body).not.toMatch(/<form[^>]*method="get"/i);
    expect(body).toContain('"/session"');
    expect(body).toContain("authorization");
    expect(response.headers.get("content-security-policy")).toContain("form-action 'none'");
    expect(body).not.toContain("namespaces");
    expect(body).toContain('"tokenInQuery":false');
    // An old ?token= link gets the same form and a word on why the token was not taken.
    const oldLink = await (await inspector.fetch(get(`?token=${TOKEN}`, { accept: "text/html" }))).text();
    expect(oldLink).toContain('"tokenInQuery":true');
    expect(oldLink).not.toContain(TOKEN);
  });

  it("asks the authorize hook, which sees the request; either the hook or the token lets it in", async () => {
    const seen: string[] = [];
    const hooked = createInspector({
      engines: [isr],
      token: TOKEN,
      authorize: (request) => {
        seen.push(request.headers.get("cookie") ?? "");
        return request.headers.get("cookie") === "session=admin";
      },
    });
    expect((await hooked.fetch(get("/api", { cookie: "session=admin" }))).status).toBe(200);
    expect((await hooked.fetch(get("/api", { cookie: "session=guest" }))).status).toBe(401);
    expect((await hooked.fetch(authorized("/api"))).status).toBe(200);
    expect(seen).toEqual(["session=admin", "session=guest"]);
  });

  it("with only an authorize hook: async answers count, no token is accepted, no Bearer challenge", async () => {
    const hooked = createInspector({
      engines: [isr],
      authorize: async (request) => new URL(request.url).hostname === "inspector.test",
    });
    expect((await hooked.fetch(get("/api"))).status).toBe(200);
    const elsewhere = await hooked.fetch(
      new Request("http://other.test/isr-inspector/api", { headers: { authorization: `Bearer ${TOKEN}` } }),
    );
    expect(elsewhere.status).toBe(401);
    expect(elsewhere.headers.get("www-authenticate")).toBeNull();
    const page = await hooked.fetch(
      new Request("http://other.test/isr-inspector", { headers: { accept: "text/html" } }),
    );
    expect(await page.text()).toContain("You are not allowed to see this page.");
  });

  it("fails closed with a 500 when the hook throws, without its message", async () => {
    const hooked = createInspector({
      engines: [isr],
      authorize: () => {
        throw new Error("session store for user 42 unreachable");
      },
    });
    const response = await hooked.fetch(get("/api"));
    expect(response.status).toBe(500);
    expect(await response.text()).toBe('{"error":"authorize failed"}');
  });

  it("refuses cross-site API calls and actions without its custom header (CSRF)", async () => {
    const crossSite = await inspector.fetch(authorized("/api", { "sec-fetch-site": "cross-site" }));
    expect(crossSite.status).toBe(403);
    const sameOrigin = await inspector.fetch(authorized("/api", { "sec-fetch-site": "same-origin" }));
    expect(sameOrigin.status).toBe(200);
    // A link from elsewhere may open the page itself.
    const navigation = await inspector.fetch(authorized("", { "sec-fetch-site": "cross-site" }));
    expect(navigation.status).toBe(200);
    const [entry] = await inspect(isr);
    const withoutHeader = new Request(action("invalidate", "settings", entry?.id ?? "x").url, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const response = await inspector.fetch(withoutHeader);
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ error: "actions need the header x-isr-inspector: 1" });
  });
});

import { createServer } from "node:http";
import { describe, expect, it } from "vitest";
import { createIsr, createMemoryStore } from "../../src/index.js";
import { SECURITY_HEADERS } from "../../src/inspector/responses.js";
import { createInspector } from "../../src/inspector.js";
import { fakeClock, listen } from "../helpers.js";
import { authorized, inspectorFor, snapshotOf, TOKEN, tenantEngine } from "./fixtures.js";

const auth = { authorization: `Bearer ${TOKEN}` };

function expectSecurityHeaders(headers: Headers): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(headers.get(name), name).toBe(value);
}

describe("inspector robustness", () => {
  const { isr } = tenantEngine();

  it("refuses a basePath that requests could never match, and says how requests carry it", () => {
    const attempt = (basePath: string) => () => createInspector({ engines: [isr], token: TOKEN, basePath });
    expect(attempt("/ops/isr inspector")).toThrow(TypeError);
    expect(attempt("/ops/isr inspector")).toThrow('(as requests carry it: "/ops/isr%20inspector")');
    expect(attempt("/ops/caché")).toThrow('"/ops/cach%C3%A9"');
    for (const unreachable of ["/a/../b", "/./x", "/a\\b", "/a?b", "/a#b", "//evil.example", "/a%zz"]) {
      expect(attempt(unreachable), unreachable).toThrow(/"basePath" must be a URL path as browsers send it/);
    }
    expect(attempt("/ops/isr%20inspector")).not.toThrow();
    expect(attempt("/ops/isr-inspector:v2/~me/")).not.toThrow();
  });

  it("answers under a percent-encoded basePath over real HTTP", async () => {
    const inspector = createInspector({ engines: [isr], token: TOKEN, basePath: "/ops/isr%20inspector" });
    const server = await listen((port, host, ready) =>
      createServer((req, res) => void inspector.node(req, res)).listen(port, host, ready),
    );
    try {
      const response = await fetch(`${server.url}/ops/isr inspector/api`, { headers: auth });
      expect(response.status).toBe(200);
      expect(new URL(response.url).pathname).toBe("/ops/isr%20inspector/api");
    } finally {
      await server.close();
    }
  });

  it("sends the security headers on every answer, the 404 and 400 outside basePath included", async () => {
    const inspector = inspectorFor([isr]);
    const server = await listen((port, host, ready) =>
      createServer((req, res) => void inspector.node(req, res)).listen(port, host, ready),
    );
    try {
      const outside = await fetch(`${server.url}/elsewhere`);
      expect(outside.status).toBe(404);
      expectSecurityHeaders(outside.headers);
      const unauthorized = await fetch(`${server.url}/isr-inspector/api`);
      expect(unauthorized.status).toBe(401);
      expectSecurityHeaders(unauthorized.headers);
    } finally {
      await server.close();
    }
    const viaFetch = await inspector.fetch(new Request("http://h/elsewhere", { headers: auth }));
    expect(viaFetch.status).toBe(404);
    expectSecurityHeaders(viaFetch.headers);
    const page = await inspector.fetch(authorized(""));
    expectSecurityHeaders(page.headers);
  });

  it("the 400 for a request it cannot read carries them too", async () => {
    const inspector = inspectorFor([isr]);
    const written: { status?: number; headers: Record<string, string | string[]> } = { headers: {} };
    await inspector.node(
      // A method the Fetch API refuses: the Web Request cannot be built.
      { method: "CONNECT", url: "/isr-inspector/api", headers: { host: "h" } },
      {
        statusCode: 0,
        setHeader(name: string, value: string | string[]) {
          written.headers[name] = value;
        },
        end() {
          written.status = this.statusCode;
        },
      },
    );
    expect(written.status).toBe(400);
    for (const [name, value] of Object.entries(SECURITY_HEADERS))
      expect(written.headers[name], name).toBe(value);
  });

  it("shows how long ago the last fetch was on the engine's own clock, whatever that clock is", async () => {
    // An engine on a clock far from the wall clock: "ago" must not mix the two.
    const clock = fakeClock(5_000);
    const custom = createIsr<string, string>({
      namespace: "custom-clock",
      now: clock.now,
      store: createMemoryStore({ now: clock.now }),
      fetch: (path) => path,
    });
    await custom.get("/home", "/home");
    clock.advance(2_500);
    const snapshot = await snapshotOf(inspectorFor([custom]).fetch);
    expect(snapshot.namespaces[0]?.entries[0]?.lastFetch).toMatchObject({
      at: 5_000,
      agoMs: 2_500,
      ok: true,
    });
    expect(snapshot.namespaces[0]?.entries[0]?.ageMs).toBe(2_500);
  });
});

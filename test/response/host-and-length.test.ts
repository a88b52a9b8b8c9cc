import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import { serve } from "@hono/node-server";
import express from "express";
import { Hono } from "hono";
import { afterEach, describe, expect, it } from "vitest";
import { isrResponse as expressResponse } from "../../src/adapters/express.js";
import { isrResponse as honoResponse } from "../../src/adapters/hono.js";
import { isrResponse as webResponse } from "../../src/adapters/web.js";
import { listen } from "../helpers.js";

// Found by an outside adversary: a route that reads its host from its own URL (Hono's
// c.req.url, a Web Request's url) rendered for the request line's host while the page was
// stored under the Host header — one crafted request put a page on another tenant's URL.
// And a body cut short of its declared Content-Length was stored and served as whole.

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** One raw HTTP/1.1 request (absolute-form request targets are not sendable with fetch). */
function rawGet(port: number, target: string, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => {
      socket.write(`GET ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    });
    let text = "";
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => {
      text += chunk;
    });
    socket.on("end", () => resolve(text));
    socket.on("error", reject);
  });
}

describe("the host a route renders for is part of the page's key", () => {
  it("Hono: an absolute-form request for another host never stores its page under this Host", async () => {
    const app = new Hono();
    app.use(honoResponse({ app, cacheStatus: true }));
    app.get("/", (c) => {
      c.header("Cache-Control", "s-maxage=300");
      return c.text(`home of ${new URL(c.req.url).hostname}`);
    });
    const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" });
    await new Promise((resolve) => server.once("listening", resolve));
    closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const { port } = server.address() as { port: number };
    expect(await rawGet(port, "http://evil.test/", "victim.test")).toContain("home of evil.test");
    const victim = await rawGet(port, "/", "victim.test");
    expect(victim).toContain("home of victim.test");
    expect(victim).not.toContain("evil.test");
    // The victim's own page is cached as usual.
    expect(await rawGet(port, "/", "victim.test")).toMatch(/cache-status: isr-plug; hit/i);
  });

  it("Web: a Request whose URL names another host than its Host header gets a page of its own", async () => {
    const cached = webResponse();
    const GET = cached(
      (request: Request) =>
        new Response(`page of ${new URL(request.url).hostname}`, {
          headers: { "cache-control": "s-maxage=60" },
        }),
    );
    const forged = await GET(new Request("http://evil.test/w", { headers: { host: "victim.test" } }));
    expect(await forged.text()).toBe("page of evil.test");
    const plain = await GET(new Request("http://victim.test/w"));
    expect(await plain.text()).toBe("page of victim.test");
    // Next.js gives every request its own address as the URL and the tenant in Host: one page per Host.
    const a = await GET(new Request("http://localhost:3000/w", { headers: { host: "a.example" } }));
    const b = await GET(new Request("http://localhost:3000/w", { headers: { host: "b.example" } }));
    expect(await a.text()).toBe("page of localhost");
    expect(await b.text()).toBe("page of localhost");
    await cached.cache.close();
  });
});

describe("a body that does not match its declared Content-Length", () => {
  it("Express: a page cut short of its Content-Length is not stored; the next request renders", async () => {
    let renders = 0;
    const app = express();
    app.use(expressResponse({ cacheStatus: true }));
    app.get("/page", (_req, res) => {
      renders++;
      res.set("Cache-Control", "s-maxage=60");
      res.set("Content-Length", "100");
      res.end(`cut short #${renders}`);
    });
    const running = await listen((port, host, ready) => app.listen(port, host, ready));
    closers.push(() => running.close());
    const get = () =>
      new Promise<void>((resolve) => {
        const request = httpRequest(`${running.url}/page`, { agent: false }, (response) => {
          response.resume();
          response.on("end", resolve);
          response.on("aborted", resolve);
          response.on("error", () => resolve());
        });
        request.on("error", () => resolve());
        request.end();
      });
    await get();
    await get();
    expect(renders).toBe(2);
  });
});

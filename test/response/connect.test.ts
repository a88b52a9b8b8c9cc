import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Request, Response } from "express";
import { afterEach, expect, it } from "vitest";
import { isrResponse } from "../../src/adapters/express.js";
import { fakeClock, listen } from "../helpers.js";
import { send } from "./pages.js";

// Connect (or a bare node:http handler) has no `req.app` nor `originalUrl`: the `app` option
// is where re-renders go, and `req.url` is the URL.
let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

it("serves a Connect-style handler, re-rendering a stale page through the `app` option", async () => {
  const clock = fakeClock();
  let renders = 0;
  const route = (_req: IncomingMessage, res: ServerResponse) => {
    renders++;
    res.setHeader("cache-control", "s-maxage=10, stale-while-revalidate=60");
    res.end(`v${renders}`);
  };
  let handler!: (req: IncomingMessage, res: ServerResponse) => void;
  const middleware = isrResponse({ now: clock.now, app: (req, res) => handler(req, res) });
  handler = (req, res) => middleware(req as Request, res as Response, () => route(req, res));
  const server = await listen((port, host, ready) => createServer(handler).listen(port, host, ready));
  close = async () => {
    await server.close();
    await middleware.cache.close();
  };
  expect((await send(`${server.url}/page`)).body).toBe("v1");
  expect((await send(`${server.url}/page`)).body).toBe("v1");
  clock.advance(11_000);
  expect((await send(`${server.url}/page`)).body).toBe("v1");
  let body = "";
  for (let attempt = 0; attempt < 500 && body !== "v2"; attempt++) {
    body = (await send(`${server.url}/page`)).body;
    if (body !== "v2") await new Promise((resolve) => setTimeout(resolve, 2));
  }
  expect(body).toBe("v2");
  expect(renders).toBe(2);
});

import express from "express";
import { afterEach, expect, it } from "vitest";
import { isrResponse } from "../../src/adapters/express.js";
import { createRevalidationWebhook, SIGNATURE_HEADER, signRevalidation } from "../../src/webhook.js";
import { fakeClock, listen } from "../helpers.js";
import { send } from "./pages.js";

const SECRET = "whsec-0123456789abcdef";

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

/** A signed CMS call over real HTTP. */
function post(url: string, payload: unknown): Promise<number> {
  const body = JSON.stringify(payload);
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", [SIGNATURE_HEADER]: signRevalidation(SECRET, body) },
    body,
  }).then((response) => response.status);
}

it("the CMS webhook revalidates a path and invalidates a tag of the response cache it is given", async () => {
  const clock = fakeClock();
  let renders = 0;
  const app = express();
  const pages = isrResponse({ now: clock.now });
  const webhook = createRevalidationWebhook({ secret: SECRET, target: pages.cache });
  app.post("/revalidate", (req, res) => void webhook.node(req, res));
  app.use(pages);
  app.get("/blog/:slug", (_req, res) => {
    renders++;
    res.set("Cache-Control", "s-maxage=600, stale-while-revalidate=3600").set("Cache-Tag", "posts");
    res.send(`v${renders}`);
  });
  const server = await listen((port, host, ready) => app.listen(port, host, ready));
  close = async () => {
    await server.close();
    await pages.cache.close();
  };
  const page = `${server.url}/blog/hello?ref=home`;
  expect((await send(page)).body).toBe("v1");
  expect((await send(page)).body).toBe("v1");

  // Revalidate (soft): served stale at once, re-rendered in the background.
  expect(await post(`${server.url}/revalidate`, { paths: ["/blog/hello"], mode: "revalidate" })).toBeLessThan(
    300,
  );
  const stale = await send(page);
  expect(stale.body).toBe("v1");
  let body = stale.body;
  for (let attempt = 0; attempt < 500 && body !== "v2"; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 2));
    body = (await send(page)).body;
  }
  expect(body).toBe("v2");

  // Invalidate a tag (hard): the next request renders.
  expect(await post(`${server.url}/revalidate`, { tags: ["posts"] })).toBeLessThan(300);
  expect((await send(page)).body).toBe("v3");
  expect(renders).toBe(3);
});

import { request as httpRequest } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { createIsr, createMemoryStore } from "../../src/index.js";
import {
  createRevalidationWebhook,
  MAX_WEBHOOK_ITEMS,
  type RevalidationWebhookOptions,
  SIGNATURE_HEADER,
  signRevalidation,
} from "../../src/webhook.js";
import { fakeClock, recordingLogger } from "../helpers.js";
import { NOW, OLD_SECRET, recordingTarget, SECRET, send, serve } from "./fixtures.js";

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

const BODY = JSON.stringify({ tags: ["posts"], paths: ["/blog/hello"], mode: "revalidate" });
const REFUSED = { error: "invalid signature" };

describe.each(["node", "web"] as const)("webhook, %s form over HTTP", (form) => {
  async function setup(options: Partial<RevalidationWebhookOptions> = {}) {
    const clock = fakeClock(NOW);
    const target = recordingTarget();
    const logger = recordingLogger();
    const webhook = createRevalidationWebhook({ secret: SECRET, target, now: clock.now, logger, ...options });
    const server = await serve(form, webhook);
    closers.push(server.close);
    return { url: `${server.url}/revalidate`, clock, target, logger };
  }

  it("a signed request revalidates its tags and paths, and answers what it did", async () => {
    const { url, target, logger } = await setup();
    const sent = await send(url, BODY);
    expect(sent.status).toBe(200);
    expect(sent.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(sent.headers.get("cache-control")).toBe("no-store");
    expect(sent.body).toEqual({ mode: "revalidate", tags: ["posts"], paths: ["/blog/hello"], targets: 1 });
    expect(target.calls).toEqual([
      { kind: "tag", value: "posts", mode: "soft" },
      { kind: "path", value: "/blog/hello", mode: "soft" },
    ]);
    expect(logger.at("info").map((line) => line.message)).toEqual(["[isr-plug] webhook: revalidated"]);
  });

  it('"invalidate" (the default) is a hard invalidation; duplicates are dropped', async () => {
    const { url, target } = await setup();
    const sent = await send(url, JSON.stringify({ tags: ["a", "b", "a"] }));
    expect(sent.body).toEqual({ mode: "invalidate", tags: ["a", "b"], paths: [], targets: 1 });
    expect(target.calls).toEqual([
      { kind: "tag", value: "a", mode: "hard" },
      { kind: "tag", value: "b", mode: "hard" },
    ]);
  });

  it("refuses a missing, malformed, wrong-secret or tampered signature with one same 401, and acts on none", async () => {
    const { url, target, logger } = await setup();
    const genuine = signRevalidation(SECRET, BODY, NOW);
    const mac = genuine.split("v1=")[1] ?? "";
    const flipped = mac.slice(0, -1) + (mac.endsWith("0") ? "1" : "0");
    const attempts: [string, { secret?: string; signature?: string | null }][] = [
      ["none", { signature: null }],
      ["empty", { signature: "" }],
      ["no v1", { signature: `t=${NOW / 1000}` }],
      ["no t", { signature: `v1=${mac}` }],
      ["short v1", { signature: `t=${NOW / 1000},v1=${mac.slice(0, 32)}` }],
      ["v1 cut to its first 63 digits", { signature: `t=${NOW / 1000},v1=${mac.slice(0, 63)}` }],
      ["last digit changed", { signature: `t=${NOW / 1000},v1=${flipped}` }],
      ["wrong secret", { secret: "another-secret-of-some-length" }],
    ];
    for (const [, attempt] of attempts) {
      const sent = await send(url, BODY, attempt);
      expect(sent.status).toBe(401);
      expect(sent.body).toEqual(REFUSED);
    }
    // Tampered: the signature of one body sent with another.
    const tampered = await send(url, BODY.replace("posts", "users"), { signature: genuine });
    expect(tampered.status).toBe(401);
    expect(tampered.body).toEqual(REFUSED);
    expect(target.calls).toEqual([]);
    // The reason goes to the log only.
    expect(logger.at("warn").map((line) => line.fields.reason)).toEqual([
      ...Array(6).fill("missing or malformed signature header"),
      "signature mismatch",
      "signature mismatch",
      "signature mismatch",
    ]);
  });

  it("refuses a timestamp further than toleranceMs from its clock, either way", async () => {
    const { url, target, clock } = await setup({ toleranceMs: 60_000 });
    expect((await send(url, BODY, { at: NOW - 61_000 })).status).toBe(401);
    expect((await send(url, BODY, { at: NOW + 61_000 })).status).toBe(401);
    expect(target.calls).toEqual([]);
    // At the edges of the window, it passes.
    expect((await send(url, BODY, { at: NOW - 60_000 })).status).toBe(200);
    expect((await send(url, BODY, { at: NOW + 60_000 })).status).toBe(200);
    // A request signed at NOW, arriving 60.001 s later: stale.
    clock.advance(60_001);
    expect((await send(url, JSON.stringify({ tags: ["late"] }), { at: NOW })).status).toBe(401);
    expect(target.calls).toHaveLength(4);
  });

  it("refuses an exact replay within the window (409), and after it (401: stale)", async () => {
    const { url, target, clock } = await setup();
    const signature = signRevalidation(SECRET, BODY, NOW);
    expect((await send(url, BODY, { signature })).status).toBe(200);
    const replay = await send(url, BODY, { signature });
    expect(replay.status).toBe(409);
    expect(replay.body).toEqual({ error: "this signed message was already received" });
    clock.advance(5 * 60_000 + 1_000);
    expect((await send(url, BODY, { signature })).status).toBe(401);
    expect(target.calls).toHaveLength(2);
    // The same body signed again (a new timestamp) is a new message.
    expect((await send(url, BODY, { at: clock.now() })).status).toBe(200);
  });

  it("secret rotation: either secret passes, a third does not; a replay cannot switch secrets", async () => {
    const { url } = await setup({ secret: [SECRET, OLD_SECRET] });
    expect((await send(url, BODY, { secret: OLD_SECRET })).status).toBe(200);
    expect((await send(url, `${BODY} `, { secret: SECRET })).status).toBe(200);
    expect((await send(url, BODY, { secret: "a-third-secret-nobody-has" })).status).toBe(401);
    // A sender signing with both (during its own rotation) sends two v1 values.
    const body = JSON.stringify({ tags: ["rotated"] });
    const both = `${signRevalidation(SECRET, body, NOW)},v1=${signRevalidation(OLD_SECRET, body, NOW).split("v1=")[1]}`;
    expect((await send(url, body, { signature: both })).status).toBe(200);
    // Replaying that message with only the other secret's signature is still the same message.
    const oldOnly = signRevalidation(OLD_SECRET, body, NOW);
    expect((await send(url, body, { signature: oldOnly })).status).toBe(409);
  });

  it("answers 413 to a declared body over maxBodyBytes, unread", async () => {
    const { url, target } = await setup({ maxBodyBytes: 100 });
    const body = JSON.stringify({ tags: Array.from({ length: 20 }, (_, i) => `tag-${i}`) });
    const sent = await send(url, body);
    expect(sent.status).toBe(413);
    expect(sent.body).toEqual({ error: "the body is over 100 bytes" });
    expect(target.calls).toEqual([]);
  });

  it("answers 413 to a chunked body once it passes maxBodyBytes", async () => {
    const { url, target } = await setup({ maxBodyBytes: 1_024 });
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        url,
        { method: "POST", headers: { [SIGNATURE_HEADER]: signRevalidation(SECRET, "x", NOW) } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      // The server may close its side before the client is done writing.
      req.on("error", (error) => (req.writableEnded ? undefined : reject(error)));
      // Sent chunked (no content-length), 256 KiB in 1 KiB chunks.
      const chunk = "x".repeat(1_024);
      let left = 256;
      const write = () => {
        while (left > 0) {
          left -= 1;
          if (!req.write(chunk)) return void req.once("drain", write);
        }
        req.end();
      };
      write();
    });
    expect(status).toBe(413);
    expect(target.calls).toEqual([]);
  });

  it("answers 400 to a body that is not JSON, not UTF-8, or whose fields are wrong", async () => {
    const { url, target } = await setup();
    const cases: [string, string][] = [
      ["{not json", "the body is not JSON"],
      ["[]", 'the body must be a JSON object: { "tags"?, "paths"?, "mode"? }'],
      ["{}", 'nothing to revalidate: give "tags" or "paths"'],
      [JSON.stringify({ tags: [] }), 'nothing to revalidate: give "tags" or "paths"'],
      [JSON.stringify({ tag: ["x"] }), 'unknown field "tag" (known: tags, paths, mode)'],
      [JSON.stringify({ tags: "x" }), '"tags" must be an array of strings'],
      [
        JSON.stringify({ tags: [""] }),
        "tags[0] must be a string of 1 to 256 characters, without control characters",
      ],
      [
        JSON.stringify({ tags: ["ok", "x".repeat(257)] }),
        "tags[1] must be a string of 1 to 256 characters, without control characters",
      ],
      [
        JSON.stringify({ tags: ["a\nb"] }),
        "tags[0] must be a string of 1 to 256 characters, without control characters",
      ],
      [
        JSON.stringify({ tags: [1] }),
        "tags[0] must be a string of 1 to 256 characters, without control characters",
      ],
      [
        JSON.stringify({ tags: Array.from({ length: MAX_WEBHOOK_ITEMS + 1 }, (_, i) => `t${i}`) }),
        `"tags" may list at most ${MAX_WEBHOOK_ITEMS} items, got ${MAX_WEBHOOK_ITEMS + 1}`,
      ],
      [
        JSON.stringify({ paths: ["blog"] }),
        'paths[0] must be a path starting with "/" (percent-encoded, at most 2048 characters)',
      ],
      [
        JSON.stringify({ paths: ["//evil.example/x"] }),
        'paths[0] must be a path starting with "/" (percent-encoded, at most 2048 characters)',
      ],
      [
        JSON.stringify({ paths: ["/a b"] }),
        'paths[0] must be a path starting with "/" (percent-encoded, at most 2048 characters)',
      ],
      [
        JSON.stringify({ paths: ["/a#b"] }),
        'paths[0] must be a path starting with "/" (percent-encoded, at most 2048 characters)',
      ],
      [
        JSON.stringify({ paths: [`/${"a".repeat(2048)}`] }),
        'paths[0] must be a path starting with "/" (percent-encoded, at most 2048 characters)',
      ],
      [JSON.stringify({ tags: ["a"], mode: "purge" }), '"mode" must be "invalidate" or "revalidate"'],
    ];
    for (const [body, error] of cases) {
      const sent = await send(url, body);
      expect({ body, status: sent.status, error: sent.body.error }).toEqual({ body, status: 400, error });
    }
    const notUtf8 = Buffer.from([0x7b, 0xff, 0x7d]);
    const response = await fetch(url, {
      method: "POST",
      headers: { [SIGNATURE_HEADER]: signRevalidation(SECRET, notUtf8, NOW) },
      body: notUtf8,
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: "the body is not UTF-8" });
    // Encoded paths with a query are fine.
    expect((await send(url, JSON.stringify({ paths: ["/caf%C3%A9?page=2"] }))).status).toBe(200);
    expect(target.calls).toEqual([{ kind: "path", value: "/caf%C3%A9?page=2", mode: "hard" }]);
  });

  it("answers 405 to anything but POST", async () => {
    const { url } = await setup();
    for (const method of ["GET", "PUT", "DELETE"]) {
      const sent = await send(url, BODY, { method });
      expect(sent.status).toBe(405);
      expect(sent.headers.get("allow")).toBe("POST");
    }
  });

  it("a failing target is a 500, logged; the sender's retry of the same message then gets through", async () => {
    const { url, target, logger } = await setup();
    target.fail = new Error("store down");
    const signature = signRevalidation(SECRET, BODY, NOW);
    const failed = await send(url, BODY, { signature });
    expect(failed.status).toBe(500);
    expect(failed.body).toEqual({ error: "revalidation failed" });
    expect(logger.at("error")).toMatchObject([
      { message: "[isr-plug] webhook: revalidation failed", fields: { err: target.fail } },
    ]);
    target.fail = undefined;
    expect((await send(url, BODY, { signature })).status).toBe(200);
    expect(target.calls).toHaveLength(2);
  });
});

describe("webhook targets", () => {
  it("an engine from createIsr takes tags (its entries become misses); paths to it are a 400 saying why", async () => {
    let calls = 0;
    const engine = createIsr({
      store: createMemoryStore(),
      fetch: () => ({ n: ++calls }),
      tags: () => ["posts"],
    });
    const webhook = createRevalidationWebhook({ secret: SECRET, target: engine, now: () => NOW });
    const server = await serve("node", webhook);
    closers.push(server.close);
    expect((await engine.get("k", undefined)).value).toEqual({ n: 1 });
    expect((await engine.get("k", undefined)).state).toBe("fresh");

    const sent = await send(server.url, JSON.stringify({ tags: ["posts"] }));
    expect(sent.status).toBe(200);
    const after = await engine.get("k", undefined);
    expect([after.state, after.value]).toEqual(["miss", { n: 2 }]);

    const paths = await send(server.url, JSON.stringify({ tags: ["posts"], paths: ["/"] }));
    expect(paths.status).toBe(400);
    expect(paths.body.error).toBe(
      "paths cannot be revalidated here: no target has invalidatePath (an engine from createIsr takes tags only)",
    );
    await engine.close();
  });

  it('"revalidate" makes an engine\'s tagged entries stale: served while one refetch runs', async () => {
    let calls = 0;
    const engine = createIsr({ store: createMemoryStore(), fetch: () => ++calls, tags: () => ["t"] });
    const webhook = createRevalidationWebhook({ secret: SECRET, target: engine, now: () => NOW });
    await engine.get("k", undefined);
    const body = JSON.stringify({ tags: ["t"], mode: "revalidate" });
    const response = await webhook(
      new Request("http://cms.test/revalidate", {
        method: "POST",
        headers: { [SIGNATURE_HEADER]: signRevalidation(SECRET, body, NOW) },
        body,
      }),
    );
    expect(response.status).toBe(200);
    expect(await engine.get("k", undefined)).toMatchObject({ state: "stale", value: 1 });
    await engine.close();
  });

  it("with several targets, tags go to all and paths to those with invalidatePath", async () => {
    const page = recordingTarget();
    const tagged: string[] = [];
    const data = { invalidateTag: async (tag: string) => void tagged.push(tag) };
    const webhook = createRevalidationWebhook({ secret: SECRET, targets: [page, data], now: () => NOW });
    const server = await serve("web", webhook);
    closers.push(server.close);
    const sent = await send(server.url, JSON.stringify({ tags: ["t"], paths: ["/p"] }));
    expect(sent.body).toEqual({ mode: "invalidate", tags: ["t"], paths: ["/p"], targets: 2 });
    expect(page.calls.map((call) => call.value)).toEqual(["t", "/p"]);
    expect(tagged).toEqual(["t"]);
  });
});

describe("Web form, bounded reading", () => {
  it("stops pulling an endless body just past maxBodyBytes, and cancels it", async () => {
    const webhook = createRevalidationWebhook({
      secret: SECRET,
      target: recordingTarget(),
      maxBodyBytes: 4_096,
    });
    let pulls = 0;
    let cancelled = false;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulls += 1;
        controller.enqueue(new Uint8Array(1_024));
      },
      cancel() {
        cancelled = true;
      },
    });
    const response = await webhook(
      new Request("http://cms.test/revalidate", {
        method: "POST",
        headers: { [SIGNATURE_HEADER]: signRevalidation(SECRET, "x") },
        body: endless,
        duplex: "half",
      } as RequestInit),
    );
    expect(response.status).toBe(413);
    expect(cancelled).toBe(true);
    // 5 chunks pass 4 KiB; the stream may have queued one ahead.
    expect(pulls).toBeLessThanOrEqual(6);
  });
});

describe("options", () => {
  const target = recordingTarget();
  it.each([
    [
      { secret: "short", target },
      'each "secret" must be a string of at least 16 characters, got 5 characters',
    ],
    [{ secret: [], target }, '"secret" must be a string or a non-empty array of strings, got an array'],
    [{ secret: SECRET }, 'give exactly one of "target" and "targets"'],
    [{ secret: SECRET, target, targets: [target] }, 'give exactly one of "target" and "targets"'],
    [{ secret: SECRET, target: {} }, '"target" must be an object with invalidateTag method, got an object'],
    [{ secret: SECRET, targets: [] }, '"targets" must be a non-empty array of targets, got an array'],
    [
      { secret: SECRET, target, toleranceMs: 0 },
      '"toleranceMs" must be a finite number of milliseconds > 0, got 0',
    ],
    [{ secret: SECRET, target, maxBodyBytes: 1.5 }, '"maxBodyBytes" must be a positive integer, got 1.5'],
    [{ secret: SECRET, target, secrets: [SECRET] }, 'unknown option "secrets" (did you mean "secret"?)'],
  ])("%j is refused", (options, message) => {
    expect(() => createRevalidationWebhook(options as unknown as RevalidationWebhookOptions)).toThrow(
      new TypeError(`isr-plug webhook: ${message}`),
    );
  });

  it("signRevalidation needs a secret", () => {
    expect(() => signRevalidation("", "{}")).toThrow(TypeError);
  });
});

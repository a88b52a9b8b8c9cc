import express from "express";
import { afterEach, describe, expect, it } from "vitest";
import { isrPlug } from "../../src/adapters/express.js";
import { createIsr, createMemoryStore, IsrFetchError, IsrTimeoutError } from "../../src/index.js";
import { deferred, fakeClock, flush, listen, recordingLogger } from "../helpers.js";

/** Every way a fetch can go wrong; each is tried on a cold key and on a stale refresh. */
const faults: [string, () => unknown, (error: unknown) => void][] = [
  [
    "throws synchronously",
    () => {
      throw new Error("sync boom");
    },
    (e) => expect((e as Error).message).toBe("sync boom"),
  ],
  [
    "rejects",
    () => Promise.reject(new Error("async boom")),
    (e) => expect((e as Error).message).toBe("async boom"),
  ],
  ["rejects with a non-Error", () => Promise.reject("just a string"), (e) => expect(e).toBe("just a string")],
  ["resolves undefined", () => Promise.resolve(undefined), (e) => expect(e).toBeInstanceOf(IsrFetchError)],
  ["returns undefined", () => undefined, (e) => expect(e).toBeInstanceOf(IsrFetchError)],
  [
    "hangs (bounded by timeoutMs)",
    () => new Promise(() => {}),
    (e) => expect(e).toBeInstanceOf(IsrTimeoutError),
  ],
];

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

describe("fetch faults", () => {
  it.each(faults)(
    "a fetch that %s: the miss rejects with it and nothing is cached",
    async (_name, fault, check) => {
      const store = createMemoryStore();
      const isr = createIsr<unknown>({ fetch: fault, timeoutMs: 30, store, logger: recordingLogger() });
      const error = await isr.get("k").catch((e: unknown) => e);
      check(error);
      expect(store.size).toBe(0);
    },
  );

  it.each(faults)(
    "a refresh that %s: the stale value is kept and served, the failure logged",
    async (_name, fault) => {
      const clock = fakeClock();
      const store = createMemoryStore({ now: clock.now });
      const logger = recordingLogger();
      let calls = 0;
      const isr = createIsr<unknown>({
        fetch: () => (++calls === 1 ? "good" : fault()),
        ttlMs: 10,
        timeoutMs: 30,
        store,
        logger,
        now: clock.now,
      });
      await isr.get("k");
      clock.advance(10);
      expect(await isr.get("k")).toMatchObject({ value: "good", state: "stale" });
      await new Promise((r) => setTimeout(r, 50)); // past timeoutMs, for the hanging fetch
      expect(logger.at("warn").map((l) => l.message)).toEqual([
        "[isr-plug] background refresh failed; the stale value is kept",
      ]);
      expect(await isr.get("k")).toMatchObject({ value: "good", state: "stale" });
    },
  );

  it("null is a value: cached and served", async () => {
    const store = createMemoryStore();
    const isr = createIsr<null>({ fetch: () => null, store });
    expect(await isr.get("k")).toMatchObject({ value: null, state: "miss" });
    expect(await isr.get("k")).toMatchObject({ value: null, state: "fresh" });
  });

  it("a fetch that resolves after close: close waits for it and its waiter gets the value", async () => {
    const late = deferred<string>();
    const isr = createIsr<string>({ fetch: () => late.promise, store: createMemoryStore() });
    const waiting = isr.get("k");
    await flush();
    let closed = false;
    const closing = isr.close().then(() => {
      closed = true;
    });
    await flush();
    expect(closed).toBe(false);
    late.resolve("after close");
    await closing;
    expect(await waiting).toMatchObject({ value: "after close", state: "miss" });
  });

  it.each(faults)("over HTTP, a fetch that %s never hangs a request or fails it", async (_name, fault) => {
    const app = express();
    let applied = 0;
    app.use(
      isrPlug<unknown>({
        fetch: fault,
        apply: () => {
          applied += 1;
        },
        timeoutMs: 30,
        store: createMemoryStore(),
        logger: recordingLogger(),
      }),
    );
    app.get("/", (_req, res) => {
      res.send("route ran");
    });
    const server = await listen((port, host, ready) => app.listen(port, host, ready));
    closers.push(server.close);
    const responses = await Promise.all(Array.from({ length: 20 }, () => fetch(server.url)));
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(await Promise.all(responses.map((r) => r.text()))).toEqual(Array(20).fill("route ran"));
    expect(applied).toBe(0);
  });
});

import { request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import type { Logger } from "../src/log.js";

/** A clock tests move by hand. */
export function fakeClock(start = 1_000_000) {
  let time = start;
  return {
    now: () => time,
    advance(ms: number) {
      time += ms;
    },
    set(ms: number) {
      time = ms;
    },
  };
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every queued microtask and already-due macrotask run. */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export interface LogLine {
  level: "debug" | "info" | "warn" | "error";
  fields: Record<string, unknown>;
  message: string;
}

/** A pino-shaped logger that records every line, all levels enabled. */
export function recordingLogger(): Logger & { lines: LogLine[]; at(level: LogLine["level"]): LogLine[] } {
  const lines: LogLine[] = [];
  const write = (level: LogLine["level"]) => (fields: object, message: string) => {
    lines.push({ level, fields: fields as Record<string, unknown>, message });
  };
  return {
    lines,
    at: (level) => lines.filter((line) => line.level === level),
    debug: write("debug"),
    info: write("info"),
    warn: write("warn"),
    error: write("error"),
  };
}

/** A fetch function that counts its calls and answers from a script. */
export function countingFetch<V>(answer: (call: number) => V | Promise<V>) {
  let calls = 0;
  const fetch = (): V | Promise<V> => {
    calls += 1;
    return answer(calls);
  };
  return {
    fetch,
    get calls() {
      return calls;
    },
  };
}

/** Starts a node:http-style server on 127.0.0.1 on a free port. */
export async function listen(
  serve: (port: number, host: string, ready: () => void) => Server,
): Promise<{ url: string; close: () => Promise<void> }> {
  let server!: Server;
  await new Promise<void>((resolve) => {
    server = serve(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections?.();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** GET with node:http, which (unlike fetch) lets a test set the Host header. */
export function httpGet(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** A port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

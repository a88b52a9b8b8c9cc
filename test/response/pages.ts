import { request } from "node:http";
import type { ResponseCache, ResponseCacheOptions } from "../../src/index.js";
import type { recordingLogger } from "../helpers.js";

/**
 * What every harness's app does, whatever the framework: `isrResponse(options)` in front of
 * one catch-all route, which answers what `route` says, the framework's way (a stream when
 * `chunks` are given, each written once its `before` settles).
 */
export interface RouteAnswer {
  status?: number;
  headers?: Record<string, string | string[]>;
  body?: string | Uint8Array;
  chunks?: Array<{ text: string; before?: Promise<void> }>;
}

export interface RouteRequest {
  method: string;
  /** Path and query. */
  url: string;
  header(name: string): string | undefined;
}

export interface PagesSpec {
  options: Omit<ResponseCacheOptions, "logger">;
  logger: ReturnType<typeof recordingLogger>;
  route: (request: RouteRequest) => RouteAnswer | Promise<RouteAnswer>;
}

export interface PagesApp {
  url: string;
  cache: ResponseCache;
  close(): Promise<void>;
}

export interface PagesHarness {
  name: string;
  start(spec: PagesSpec): Promise<PagesApp>;
}

/** Yields each chunk once its gate opens: the route's streamed body. */
export async function* chunksOf(chunks: NonNullable<RouteAnswer["chunks"]>): AsyncGenerator<string> {
  for (const chunk of chunks) {
    await chunk.before;
    yield chunk.text;
  }
}

/** The route's answer as a Web `Response` (Hono, Web handlers). */
export function webAnswer(answer: RouteAnswer): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(answer.headers ?? {})) {
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  const encoder = new TextEncoder();
  const body =
    answer.chunks === undefined
      ? (answer.body ?? "")
      : new ReadableStream<Uint8Array>({
          async start(controller) {
            for await (const text of chunksOf(answer.chunks ?? [])) controller.enqueue(encoder.encode(text));
            controller.close();
          },
        });
  const status = answer.status ?? 200;
  return new Response(status === 204 || status === 304 ? null : body, { status, headers });
}

export interface Sent {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The body's bytes as received (not decoded: a compressed body stays compressed). */
  raw: Buffer;
  /** Resolves with the first chunk of the body as it arrives. */
  first: Promise<string>;
}

/** A request over real HTTP with node:http (which, unlike fetch, sends any header, Host and Cookie included). */
export function send(
  url: string,
  options: { method?: string; headers?: Record<string, string> } = {},
  onResponse?: (first: Promise<string>) => void,
): Promise<Sent> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? "GET", headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      let gotFirst!: (text: string) => void;
      const first = new Promise<string>((r) => {
        gotFirst = r;
      });
      onResponse?.(first);
      res.on("data", (chunk: Buffer) => {
        if (chunks.length === 0) gotFirst(chunk.toString("utf8"));
        chunks.push(chunk);
      });
      res.on("end", () => {
        const raw = Buffer.concat(chunks);
        const body = raw.toString("utf8");
        gotFirst(body);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, raw, first });
      });
    });
    req.on("error", reject);
    req.end();
  });
}

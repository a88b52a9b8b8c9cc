import { createServer, type Server } from "node:http";
import { createAdaptorServer } from "@hono/node-server";
import type { RevalidationWebhook } from "../../src/webhook/handler.js";
import type { RevalidationTarget } from "../../src/webhook.js";
import { SIGNATURE_HEADER, signRevalidation } from "../../src/webhook.js";
import { listen } from "../helpers.js";

export const SECRET = "whsec-0123456789abcdef";
export const OLD_SECRET = "whsec-old-fedcba9876543210";
/** A moment on the webhook's clock (2026-06-01), in ms. */
export const NOW = 1_780_272_000_000;

export interface Call {
  kind: "tag" | "path";
  value: string;
  mode: "hard" | "soft" | undefined;
}

/** A response cache as far as the webhook sees it: records every call; `fail` makes the next calls reject. */
export function recordingTarget(): RevalidationTarget & { calls: Call[]; fail: Error | undefined } {
  const target = {
    calls: [] as Call[],
    fail: undefined as Error | undefined,
    async invalidateTag(tag: string, options?: { mode?: "hard" | "soft" }) {
      if (target.fail !== undefined) throw target.fail;
      target.calls.push({ kind: "tag", value: tag, mode: options?.mode });
    },
    async invalidatePath(path: string, options?: { mode?: "hard" | "soft" }) {
      if (target.fail !== undefined) throw target.fail;
      target.calls.push({ kind: "path", value: path, mode: options?.mode });
    },
  };
  return target;
}

/** Serves a Web-standard handler over real HTTP on 127.0.0.1 (@hono/node-server's adaptor). */
export function listenFetch(fetch: (request: Request) => Response | Promise<Response>) {
  return listen((port, host, ready) => createAdaptorServer({ fetch }).listen(port, host, ready) as Server);
}

/** Serves the webhook over real HTTP on 127.0.0.1, through its Node form or its Web form. */
export function serve(form: "node" | "web", webhook: RevalidationWebhook) {
  return form === "node"
    ? listen((port, host, ready) =>
        createServer((req, res) => void webhook.node(req, res)).listen(port, host, ready),
      )
    : listenFetch(webhook);
}

export interface Sent {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

/** POSTs `body`; signed with `secret` at `at` unless `signature` gives the header (null: none). */
export async function send(
  url: string,
  body: string,
  options: { secret?: string; at?: number; signature?: string | null; method?: string } = {},
): Promise<Sent> {
  const signature =
    options.signature === undefined
      ? signRevalidation(options.secret ?? SECRET, body, options.at ?? NOW)
      : options.signature;
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (signature !== null) headers[SIGNATURE_HEADER] = signature;
  const method = options.method ?? "POST";
  const response = await fetch(url, { method, headers, body: method === "GET" ? undefined : body });
  return {
    status: response.status,
    body: (await response.json()) as Record<string, unknown>,
    headers: response.headers,
  };
}

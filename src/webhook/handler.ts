import { WebhookCore } from "./core.js";
import { nodeDelivery, type WebhookNodeRequest, type WebhookNodeResponse, writeAnswer } from "./node.js";
import { type RevalidationWebhookOptions, resolveWebhookOptions } from "./options.js";
import { toResponse, webDelivery } from "./web.js";

/**
 * The webhook: call it with a Web `Request` (Hono, Next.js route handlers, Bun, Deno), or
 * mount `.node` on Node's `(req, res)` (node:http, Express, Koa's `ctx.req`/`ctx.res`,
 * Fastify's `request.raw`/`reply.raw`). Neither rejects.
 */
export interface RevalidationWebhook {
  (request: Request): Promise<Response>;
  /** The same for Node's `req`/`res`; it reads the body itself, so mount it before any body parser. */
  node(req: WebhookNodeRequest, res: WebhookNodeResponse): Promise<void>;
}

/** A revalidation endpoint a CMS can call: HMAC-signed, replay-proof, bounded. See docs/API.md. */
export function createRevalidationWebhook(options: RevalidationWebhookOptions): RevalidationWebhook {
  const core = new WebhookCore(resolveWebhookOptions(options));
  const webhook = async (request: Request) => toResponse(await core.answer(webDelivery(request)));
  const node = async (req: WebhookNodeRequest, res: WebhookNodeResponse) => {
    writeAnswer(res, await core.answer(nodeDelivery(req)));
  };
  return Object.assign(webhook, { node });
}

/**
 * `isr-plug/webhook`: an endpoint a CMS calls to invalidate or revalidate tags and paths,
 * authenticated by an HMAC-SHA256 signature over a timestamp and the raw body.
 */
export { createRevalidationWebhook, type RevalidationWebhook } from "./webhook/handler.js";
export type { WebhookNodeRequest, WebhookNodeResponse } from "./webhook/node.js";
export {
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_TOLERANCE_MS,
  MIN_SECRET_LENGTH,
  REPLAY_MEMORY,
  type RevalidationWebhookOptions,
} from "./webhook/options.js";
export {
  MAX_PATH_LENGTH,
  MAX_WEBHOOK_ITEMS,
  type RevalidationRequest,
  type WebhookMode,
} from "./webhook/payload.js";
export { SIGNATURE_HEADER, signRevalidation } from "./webhook/signature.js";
export type { RevalidationTarget, TagTarget, WebhookTarget } from "./webhook/target.js";

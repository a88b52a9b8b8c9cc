import { OptionCheck, optionNames } from "../check.js";
import { Log, type Logger } from "../log.js";
import { hasPaths, type WebhookTarget } from "./target.js";

export interface RevalidationWebhookOptions {
  /**
   * The shared secret (at least 16 characters), or several while you rotate it: a request
   * signed with any of them passes. Put the new one first, update the CMS, drop the old one.
   */
  secret: string | readonly string[];
  /** What to revalidate: a response cache, or an engine from `createIsr` (tags only). */
  target?: WebhookTarget;
  /** Several targets: each tag goes to all of them, each path to those with `invalidatePath`. */
  targets?: readonly WebhookTarget[];
  /**
   * How far a signature's timestamp may be from this server's clock, either way, ms. Within
   * it, each signed message is accepted once.
   * @default 300000 (5 minutes)
   */
  toleranceMs?: number;
  /**
   * Largest body read, bytes; a bigger one gets a 413 and is never buffered.
   * @default 65536
   */
  maxBodyBytes?: number;
  /** The clock, ms since the epoch (tests pass their own). @default Date.now */
  now?: () => number;
  /** Where refusals (warn), revalidations (info) and target failures (error) go. @default console (warn, error) */
  logger?: Logger;
}

export const MIN_SECRET_LENGTH = 16;
export const DEFAULT_TOLERANCE_MS = 5 * 60_000;
export const DEFAULT_MAX_BODY_BYTES = 64 * 1_024;
/** Most signed messages remembered against replays at once (about 100 bytes each). */
export const REPLAY_MEMORY = 10_000;

export interface ResolvedWebhookOptions {
  secrets: readonly string[];
  targets: readonly WebhookTarget[];
  /** Whether some target takes paths. */
  takesPaths: boolean;
  toleranceMs: number;
  maxBodyBytes: number;
  now: () => number;
  log: Log;
}

const KNOWN = optionNames<RevalidationWebhookOptions>({
  secret: true,
  target: true,
  targets: true,
  toleranceMs: true,
  maxBodyBytes: true,
  now: true,
  logger: true,
});

// Annotated, so that `check.fail` (never returns) narrows what follows it.
const check: OptionCheck = new OptionCheck("isr-plug webhook:", "isr-plug webhook: unknown option");

function checkSecrets(secret: unknown): readonly string[] {
  const secrets = typeof secret === "string" ? [secret] : secret;
  if (!Array.isArray(secrets) || secrets.length === 0) {
    check.fail("secret", "a string or a non-empty array of strings", secret);
  }
  for (const one of secrets) {
    if (typeof one !== "string" || one.length < MIN_SECRET_LENGTH) {
      // A short secret could be guessed; the message never shows the secret itself.
      const got = typeof one === "string" ? `${one.length} characters` : typeof one;
      throw new TypeError(
        `isr-plug webhook: each "secret" must be a string of at least ${MIN_SECRET_LENGTH} characters, got ${got}`,
      );
    }
  }
  return Object.freeze([...secrets]);
}

function checkTargets(target: unknown, targets: unknown): readonly WebhookTarget[] {
  if ((target === undefined) === (targets === undefined)) {
    throw new TypeError('isr-plug webhook: give exactly one of "target" and "targets"');
  }
  const list = target === undefined ? targets : [target];
  const name = target === undefined ? "targets" : "target";
  if (!Array.isArray(list) || list.length === 0) check.fail(name, "a non-empty array of targets", list);
  for (const one of list) check.methods(name, one ?? null, ["invalidateTag"]);
  return Object.freeze([...(list as WebhookTarget[])]);
}

export function resolveWebhookOptions(options: RevalidationWebhookOptions): ResolvedWebhookOptions {
  check.object(options, KNOWN, { secrets: "secret" });
  const targets = checkTargets(options.target, options.targets);
  const toleranceMs = check.positiveDuration("toleranceMs", options.toleranceMs) ?? DEFAULT_TOLERANCE_MS;
  return {
    secrets: checkSecrets(options.secret),
    targets,
    takesPaths: targets.some(hasPaths),
    toleranceMs,
    maxBodyBytes: check.integer("maxBodyBytes", options.maxBodyBytes, DEFAULT_MAX_BODY_BYTES),
    now: check.function("now", options.now) ?? Date.now,
    log: new Log(check.logger(options.logger)),
  };
}

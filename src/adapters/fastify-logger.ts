import type { FastifyBaseLogger } from "fastify";
import type { Logger } from "../log.js";

/**
 * The engine's logger: the app's. With logging off, Fastify's logger is a no-op without
 * `isLevelEnabled`, and the engine would build debug fields on every hit for nobody.
 */
export function appLogger(log: FastifyBaseLogger): Logger {
  if (typeof (log as Partial<Logger>).isLevelEnabled === "function") return log;
  return {
    debug: (fields, message) => log.debug(fields, message),
    info: (fields, message) => log.info(fields, message),
    warn: (fields, message) => log.warn(fields, message),
    error: (fields, message) => log.error(fields, message),
    isLevelEnabled: (level) => level !== "debug" || log.level === "debug" || log.level === "trace",
  };
}

/**
 * The logger shape isr-plug calls: pino's (and Fastify's `request.log`). Each method takes
 * an object of fields, then a message.
 */
export interface Logger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
  /** pino's level check; when present, debug fields are only built for enabled levels. */
  isLevelEnabled?(level: string): boolean;
}

const PREFIX = "[isr-plug]";

function noop(): void {}

/** Default logger: warnings and errors to the console (messages arrive prefixed); debug and info are off. */
export const consoleLogger: Logger = {
  debug: noop,
  info: noop,
  // biome-ignore lint/suspicious/noConsole: the default logger is the console by design.
  warn: (fields, message) => console.warn(message, fields),
  // biome-ignore lint/suspicious/noConsole: the default logger is the console by design.
  error: (fields, message) => console.error(message, fields),
  isLevelEnabled: (level) => level === "warn" || level === "error",
};

/**
 * Wraps the user's logger so that hot paths can ask `debugEnabled()` before building a
 * fields object, and every message carries the `[isr-plug]` prefix.
 */
export class Log {
  readonly logger: Logger;
  /** Known once for good (the default logger: off; a logger without a level check: on), else undefined. */
  readonly #debugFixed: boolean | undefined;

  constructor(logger: Logger | undefined) {
    this.logger = logger ?? consoleLogger;
    this.#debugFixed =
      this.logger === consoleLogger
        ? false
        : typeof this.logger.isLevelEnabled !== "function"
          ? true
          : undefined;
  }

  /** Asked on hot paths before building debug fields; a logger's level may change, so asked each time. */
  debugEnabled(): boolean {
    const fixed = this.#debugFixed;
    // Called as a method: pino's isLevelEnabled reads `this`.
    return fixed ?? this.logger.isLevelEnabled?.("debug") === true;
  }

  debug(fields: object, message: string): void {
    this.logger.debug(fields, this.#prefixed(message));
  }

  info(fields: object, message: string): void {
    this.logger.info(fields, this.#prefixed(message));
  }

  warn(fields: object, message: string): void {
    this.logger.warn(fields, this.#prefixed(message));
  }

  error(fields: object, message: string): void {
    this.logger.error(fields, this.#prefixed(message));
  }

  #prefixed(message: string): string {
    return `${PREFIX} ${message}`;
  }
}

/**
 * Option checks shared by every part of the package (core, memory store, Redis store,
 * inspector), so a bad option reads the same wherever it is given: a `TypeError` naming the
 * option, what it must be, and what it got.
 */

/** Renders a bad option value for an error message (never the whole value: it may be a secret). */
export function describeValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "function") return "a function";
  if (Array.isArray(value)) return "an array";
  if (value === null) return "null";
  if (typeof value === "object") return "an object";
  return String(value);
}

/** True for an object with a function under each of `methods` (options are checked by shape). */
export function hasMethods(value: unknown, methods: readonly string[]): boolean {
  return (
    value !== null &&
    typeof value === "object" &&
    methods.every((m) => typeof (value as Record<string, unknown>)[m] === "function")
  );
}

/**
 * The names of an options type, as a list the compiler keeps complete: `names` must have
 * exactly the keys of `T`, so adding an option without listing it is a compile error.
 */
export function optionNames<T>(names: { readonly [K in keyof Required<T>]: true }): readonly string[] {
  return Object.freeze(Object.keys(names));
}

/** Checks of one part's options; `subject` starts every message (`isr-plug: redis store`). */
export class OptionCheck {
  readonly #subject: string;
  readonly #unknown: string;

  /** `unknown` starts the message for an unknown option name (`isr-plug: unknown redis store option`). */
  constructor(subject: string, unknown: string) {
    this.#subject = subject;
    this.#unknown = unknown;
  }

  fail(name: string, expected: string, value: unknown): never {
    throw new TypeError(`${this.#subject} "${name}" must be ${expected}, got ${describeValue(value)}`);
  }

  /** The options object itself, and no name nobody reads (a typo is loud, not silent). */
  object<T extends object>(
    options: T,
    known: readonly string[],
    hints: Readonly<Record<string, string>> = {},
  ): T {
    if (options === null || typeof options !== "object") {
      throw new TypeError(`${this.#subject} options must be an object, got ${describeValue(options)}`);
    }
    for (const name of Object.keys(options)) {
      if (known.includes(name)) continue;
      const hint = Object.hasOwn(hints, name) ? hints[name] : undefined;
      throw new TypeError(
        `${this.#unknown} "${name}"${hint === undefined ? "" : ` (did you mean "${hint}"?)`}`,
      );
    }
    return options;
  }

  /** A duration ≥ 0; Infinity allowed. */
  duration(name: string, value: unknown, fallback: number): number {
    if (value === undefined) return fallback;
    if (typeof value !== "number" || Number.isNaN(value) || value < 0) {
      this.fail(name, "a number of milliseconds >= 0 (Infinity allowed)", value);
    }
    return value;
  }

  /** A finite duration > 0, or undefined when not given. */
  positiveDuration(name: string, value: unknown): number | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
      this.fail(name, "a finite number of milliseconds > 0", value);
    }
    return value;
  }

  /** A positive safe integer. */
  integer(name: string, value: unknown, fallback: number): number {
    if (value === undefined) return fallback;
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
      this.fail(name, "a positive integer", value);
    }
    return value;
  }

  /** A positive integer, or Infinity (the default: no bound). */
  countOrInfinity(name: string, value: unknown): number {
    if (value === undefined || value === Number.POSITIVE_INFINITY) return Number.POSITIVE_INFINITY;
    if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
      this.fail(name, "a positive integer (or Infinity)", value);
    }
    return value;
  }

  function<F>(name: string, value: F | undefined): F | undefined {
    if (value !== undefined && typeof value !== "function") this.fail(name, "a function", value);
    return value;
  }

  /** An object with the given methods, or undefined when not given. */
  methods<T>(name: string, value: T | undefined, methods: readonly string[]): T | undefined {
    if (value !== undefined && !hasMethods(value, methods)) {
      const list =
        methods.length === 1 ? methods[0] : `${methods.slice(0, -1).join(", ")} and ${methods.at(-1)}`;
      this.fail(name, `an object with ${list} method${methods.length === 1 ? "" : "s"}`, value);
    }
    return value;
  }

  logger<T>(value: T | undefined): T | undefined {
    return this.methods("logger", value, ["debug", "info", "warn", "error"]);
  }
}

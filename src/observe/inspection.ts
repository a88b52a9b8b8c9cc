import type { InspectedEntry } from "../isr.js";

/**
 * The inspector's way into an engine: the keys it fetched recently and a revalidation by the
 * id listed there. Kept off the `Isr` interface (an application never needs it) under a
 * symbol shared by every copy of the package.
 * @internal
 */
export const INSPECTION = Symbol.for("isr-plug.inspection");

export interface Inspection<V> {
  /** The keys fetched recently (at most 1 000) with their entries' standing; values only when asked. */
  entries(options: { values: boolean }): Promise<InspectedEntry<V>[]>;
  /** Fetches a listed key again with the extracted data of its latest fetch. */
  revalidate(id: string): Promise<V>;
}

/** An engine the inspector can read. */
export interface Inspectable<V = unknown> {
  [INSPECTION](): Inspection<V>;
}

/** The engine's inspection, or undefined for anything that is not an engine. */
export function inspectionOf<V>(engine: unknown): Inspection<V> | undefined {
  const open = (engine as Partial<Inspectable<V>> | null | undefined)?.[INSPECTION];
  return typeof open === "function" ? open.call(engine) : undefined;
}

/**
 * The keys an engine fetched recently (at most 1 000), each with its entry's state, age,
 * lifetimes, tags and last fetch; values only with `values: true` (they may be private).
 * The live inspector is built on it.
 */
export function inspect<V>(engine: object, options: { values?: boolean } = {}): Promise<InspectedEntry<V>[]> {
  const inspection = inspectionOf<V>(engine);
  if (inspection === undefined) {
    return Promise.reject(
      new TypeError("isr-plug: inspect() takes an engine from createIsr (or an adapter's .isr)"),
    );
  }
  return inspection.entries({ values: options.values === true });
}

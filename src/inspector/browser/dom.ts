/** Small DOM helpers shared by the page's modules. */

/** An element the page's markup is known to hold (a missing one is a bug in page.ts's markup). */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (node === null) throw new Error(`isr-plug inspector: #${id} is missing from the page`);
  return node as T;
}

/** The JSON settings the server put in `#isr-config`. */
export function readConfig<T>(): T {
  return JSON.parse(byId("isr-config").textContent ?? "null") as T;
}

type Child = Node | string | null | undefined;

/** An element with a class and children; text children become text nodes, never HTML. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  for (const child of children) if (child !== undefined && child !== null) node.append(child);
  return node;
}

export function duration(ms: number | null | undefined): string {
  if (ms === null) return "\u221e";
  if (ms === undefined) return "\u2013";
  const units: [number, string][] = [
    [86400000, " d"],
    [3600000, " h"],
    [60000, " min"],
    [1000, " s"],
  ];
  for (const [size, unit] of units) if (Math.abs(ms) >= size) return (ms / size).toFixed(1) + unit;
  return ms > 0 && ms < 1 ? "<1 ms" : `${Math.round(ms)} ms`;
}

export function keyText(key: string | readonly (string | number)[]): string {
  return typeof key === "string" ? key : JSON.stringify(key);
}

/** Wipes `?token=` and a `#token=` fragment from the address bar; returns the fragment's token. */
export function wipeTokenFromAddress(): string | null {
  const params = new URLSearchParams(location.search);
  const fromFragment = new URLSearchParams(location.hash.slice(1)).get("token");
  if (params.has("token") || fromFragment !== null) {
    params.delete("token");
    const query = params.toString();
    history.replaceState(null, "", location.pathname + (query ? `?${query}` : ""));
  }
  return fromFragment;
}

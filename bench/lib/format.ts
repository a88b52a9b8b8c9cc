/** Tables (markdown-table, aligned so they read well raw in a terminal too) and number formats. */
import { markdownTable } from "markdown-table";

export type Align = "left" | "right";

export function table(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  align?: readonly Align[],
): string {
  return markdownTable([headers, ...rows], { align: align?.map((side) => (side === "right" ? "r" : "l")) });
}

/** 5_900_000 → "5.90 M", 870_000 → "0.87 M": the unit the figures use. */
export function millions(opsPerSecond: number): string {
  return Number.isFinite(opsPerSecond) ? `${(opsPerSecond / 1e6).toFixed(2)} M` : "n/a";
}

export function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : "n/a";
}

/** A ratio with enough digits to tell 0.015 from 0.02. */
export function ratio(value: number): string {
  if (!Number.isFinite(value)) return "n/a";
  return value >= 0.1 ? value.toFixed(2) : value.toFixed(3);
}

export function signed(value: number, digits: number): string {
  if (!Number.isFinite(value)) return "n/a";
  const text = value.toFixed(digits);
  return value >= 0 ? `+${text}` : text;
}

export function thousands(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString("en-US") : "n/a";
}

/** 1 → "1", 10000 → "10k", 1000000 → "1M": axis labels and table headers. */
export function count(value: number): string {
  if (value >= 1e6 && value % 1e6 === 0) return `${value / 1e6}M`;
  if (value >= 1e3 && value % 1e3 === 0) return `${value / 1e3}k`;
  return String(value);
}

/** "a–b", the spread cells of every table. */
export function spread(low: string, high: string): string {
  return low === high ? low : `${low}–${high}`;
}

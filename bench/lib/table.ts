/** Markdown tables that read well both raw in a terminal and rendered. */

export type Align = "left" | "right";

export function markdownTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  align?: readonly Align[],
): string {
  const widths = headers.map((header, column) =>
    Math.max(3, header.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const pad = (text: string, column: number): string => {
    const width = widths[column] as number;
    return align?.[column] === "right" ? text.padStart(width) : text.padEnd(width);
  };
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((cell, column) => pad(cell, column)).join(" | ")} |`;
  const rule = widths.map((width, column) => {
    const dashes = "-".repeat(width);
    return align?.[column] === "right" ? `${dashes.slice(1)}:` : dashes;
  });
  return [line(headers), `| ${rule.join(" | ")} |`, ...rows.map((row) => line(row))].join("\n");
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

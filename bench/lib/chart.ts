/**
 * Line charts as small self-contained SVG files: a logarithmic x axis (key counts,
 * concurrency, entries grow by 10×), a linear y axis from zero or a logarithmic one, one
 * line per series.
 * Hand-written because a chart library would pull a DOM or a canvas into the bench.
 */
import { writeFileSync } from "node:fs";
import { count } from "./format.js";

export interface Series {
  name: string;
  points: { x: number; y: number }[];
  dashed?: boolean;
}

export interface Chart {
  /** File name without extension, e.g. "throughput". */
  file: string;
  title: string;
  xLabel: string;
  yLabel: string;
  /** A logarithmic y axis, for values that grow by orders of magnitude (latency against concurrency). */
  yLog?: boolean;
  series: Series[];
}

const WIDTH = 640;
const HEIGHT = 360;
const PAD = { left: 64, right: 170, top: 40, bottom: 66 };
/** One colour per library, the same in every chart. */
const COLORS: Record<string, string> = { floor: "#888888", "isr-plug": "#d1495b", "lru-cache": "#00798c" };
const SPARE = ["#edae49", "#66a182", "#2e4057", "#8d96a3"];

function colorOf(name: string, index: number): string {
  const library = Object.keys(COLORS).find((key) => name.startsWith(key));
  return library === undefined ? (SPARE[index % SPARE.length] as string) : (COLORS[library] as string);
}

/** Powers of ten from below the smallest value to above the largest. */
function logTicks(minValue: number, maxValue: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(minValue)); e <= Math.ceil(Math.log10(maxValue)); e++) {
    ticks.push(Number((10 ** e).toPrecision(6)));
  }
  return ticks.length > 1 ? ticks : [...ticks, (ticks[0] as number) * 10];
}

/** 0, and 4–6 round steps above the largest value. */
function yTicks(maxValue: number): number[] {
  const raw = maxValue / 5;
  const magnitude = 10 ** Math.floor(Math.log10(raw || 1));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * magnitude >= raw) ?? 10) * magnitude;
  const ticks: number[] = [];
  for (let value = 0; value < maxValue + step; value += step) ticks.push(Number(value.toPrecision(6)));
  return ticks;
}

const xmlText = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function renderChart(chart: Chart): string {
  const points = chart.series.flatMap((series) => series.points).filter((p) => Number.isFinite(p.y));
  const xs = [...new Set(points.map((p) => p.x))].sort((a, b) => a - b);
  const ys = points.map((p) => p.y);
  const log = chart.yLog === true;
  const ticks = log
    ? logTicks(Math.min(...ys.filter((y) => y > 0)), Math.max(...ys))
    : yTicks(Math.max(...ys, 0));
  const [yMin, yMax] = [log ? (ticks[0] as number) : 0, ticks[ticks.length - 1] as number];
  const scale = (y: number) => (log ? Math.log10(Math.max(y, yMin)) : y);
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const [xMin, xMax] = [Math.log10(xs[0] ?? 1), Math.log10(xs[xs.length - 1] ?? 10)];
  const xOf = (x: number) =>
    PAD.left + (xMax === xMin ? plotW / 2 : ((Math.log10(x) - xMin) / (xMax - xMin)) * plotW);
  const yOf = (y: number) =>
    PAD.top + plotH - ((scale(y) - scale(yMin)) / (scale(yMax) - scale(yMin))) * plotH;
  const f = (n: number) => n.toFixed(1);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12" role="img">`,
    // Named for screen readers and for tools that list images by title.
    `<title>${xmlText(chart.title)}</title>`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${PAD.left}" y="22" font-size="14" font-weight="bold">${xmlText(chart.title)}</text>`,
  ];
  for (const tick of ticks) {
    parts.push(
      `<line x1="${PAD.left}" x2="${PAD.left + plotW}" y1="${f(yOf(tick))}" y2="${f(yOf(tick))}" stroke="#e5e5e5"/>`,
      `<text x="${PAD.left - 6}" y="${f(yOf(tick) + 4)}" text-anchor="end">${tick}</text>`,
    );
  }
  let lastLabel = Number.NEGATIVE_INFINITY;
  for (const x of xs) {
    parts.push(
      `<line x1="${f(xOf(x))}" x2="${f(xOf(x))}" y1="${PAD.top}" y2="${PAD.top + plotH}" stroke="#f0f0f0"/>`,
    );
    // Labels too close to the previous one (10k beside 20k) go one line lower.
    const lower = xOf(x) - lastLabel < 36;
    parts.push(
      `<text x="${f(xOf(x))}" y="${PAD.top + plotH + (lower ? 30 : 16)}" text-anchor="middle">${count(x)}</text>`,
    );
    if (!lower) lastLabel = xOf(x);
  }
  parts.push(
    `<line x1="${PAD.left}" x2="${PAD.left + plotW}" y1="${PAD.top + plotH}" y2="${PAD.top + plotH}" stroke="#333"/>`,
    `<line x1="${PAD.left}" x2="${PAD.left}" y1="${PAD.top}" y2="${PAD.top + plotH}" stroke="#333"/>`,
    `<text x="${PAD.left + plotW / 2}" y="${HEIGHT - 8}" text-anchor="middle">${xmlText(chart.xLabel)} (log scale)</text>`,
    `<text transform="translate(16 ${PAD.top + plotH / 2}) rotate(-90)" text-anchor="middle">${xmlText(chart.yLabel)}${log ? " (log scale)" : ""}</text>`,
  );
  chart.series.forEach((series, index) => {
    const color = colorOf(series.name, index);
    const line = series.points.filter((p) => Number.isFinite(p.y)).sort((a, b) => a.x - b.x);
    const dash = series.dashed === true ? ' stroke-dasharray="6 4"' : "";
    parts.push(
      `<polyline fill="none" stroke="${color}" stroke-width="2"${dash} points="${line.map((p) => `${f(xOf(p.x))},${f(yOf(p.y))}`).join(" ")}"/>`,
      // Dashed series get hollow points, so they stay apart where two lines meet.
      ...line.map(
        (p) =>
          `<circle cx="${f(xOf(p.x))}" cy="${f(yOf(p.y))}" r="3" fill="${series.dashed === true ? "#ffffff" : color}" stroke="${color}"/>`,
      ),
    );
    const legendY = PAD.top + 10 + index * 20;
    parts.push(
      `<line x1="${WIDTH - PAD.right + 14}" x2="${WIDTH - PAD.right + 40}" y1="${legendY}" y2="${legendY}" stroke="${color}" stroke-width="2"${dash}/>`,
      `<text x="${WIDTH - PAD.right + 46}" y="${legendY + 4}">${xmlText(series.name)}</text>`,
    );
  });
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}

/** Writes `<prefix><chart.file>.svg` under `dir` for every chart; returns the file names. */
export function writeCharts(charts: readonly Chart[], dir: URL, prefix: string): string[] {
  return charts.map((chart) => {
    const name = `${prefix}${chart.file}.svg`;
    writeFileSync(new URL(name, dir), renderChart(chart));
    return name;
  });
}

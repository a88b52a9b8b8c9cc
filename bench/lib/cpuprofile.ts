import { readFileSync } from "node:fs";
import { SourceMap } from "node:module";
import { ROOT } from "./child.js";

/** The parts of a V8 .cpuprofile (as written by `node --cpu-prof` or the inspector) read here. */
interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface CpuProfile {
  nodes: {
    id: number;
    callFrame: CallFrame;
    children?: number[];
    positionTicks?: { line: number; ticks: number }[];
  }[];
  samples: number[];
  timeDeltas: number[];
}

export interface Frame {
  name: string;
  /** Where it lives: a repo path, `pkg:<package>/file`, `node:<module>`, or "" for V8's pseudo-frames. */
  where: string;
  selfMs: number;
  selfPercent: number;
}

const maps = new Map<string, SourceMap | null>();

/** The source map next to a generated file (the profiling build), if there is one. */
function sourceMapOf(path: string): SourceMap | undefined {
  if (!maps.has(path)) {
    try {
      maps.set(path, new SourceMap(JSON.parse(readFileSync(`${path}.map`, "utf8"))));
    } catch {
      maps.set(path, null);
    }
  }
  return maps.get(path) ?? undefined;
}

/** A position (0-based line and column) in `url`, mapped back through a source map when the file has one. */
function original(url: string, line: number, column: number): { path: string; line: number } {
  const path = url.startsWith("file://") ? decodeURIComponent(url.slice("file://".length)) : url;
  const map = path.includes("/bench/results/build/") ? sourceMapOf(path) : undefined;
  const entry = map?.findEntry(line, column) as
    | { originalSource?: string; originalLine?: number }
    | undefined;
  if (entry?.originalSource === undefined || entry.originalLine === undefined) return { path, line };
  const source = entry.originalSource.startsWith("file://")
    ? decodeURIComponent(entry.originalSource.slice("file://".length))
    : new URL(entry.originalSource, `file://${path}`).pathname;
  return { path: source, line: entry.originalLine };
}

/** Shortens a path to something a reader can find: repo path, package file or node module. */
function shorten(path: string, line: number): string {
  if (path === "") return "";
  const at = `:${line + 1}`;
  const modules = path.lastIndexOf("/node_modules/");
  if (modules >= 0) return `pkg:${path.slice(modules + "/node_modules/".length)}${at}`;
  if (path.startsWith(ROOT)) return `${path.slice(ROOT.length)}${at}`;
  return `${path}${at}`;
}

function where(frame: CallFrame): string {
  if (frame.url === "") return "";
  const { path, line } = original(frame.url, frame.lineNumber, frame.columnNumber);
  return shorten(path, line);
}

function load(file: string): CpuProfile {
  return JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
}

/** Sample weights: a sample lasts until the next one (timeDeltas[i + 1]), which weights samples by real time. */
function weights(profile: CpuProfile): Map<number, number> {
  const byNode = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i] as number;
    byNode.set(id, (byNode.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? 0));
  }
  return byNode;
}

/** Self time per function, summed over every node of the call tree it appears in. */
export function selfTimes(file: string): { frames: Frame[]; totalMs: number } {
  const profile = load(file);
  const byNode = weights(profile);
  const selfUs = new Map<string, { name: string; where: string; us: number }>();
  let totalUs = 0;
  for (const node of profile.nodes) {
    const us = byNode.get(node.id) ?? 0;
    totalUs += us;
    const { functionName, url, lineNumber, columnNumber } = node.callFrame;
    const key = `${functionName}@${url}:${lineNumber}:${columnNumber}`;
    const entry = selfUs.get(key) ?? {
      name: functionName || "(anonymous)",
      where: where(node.callFrame),
      us: 0,
    };
    entry.us += us;
    selfUs.set(key, entry);
  }
  const frames = [...selfUs.values()]
    .filter((entry) => entry.us > 0)
    .map(({ name, where, us }) => ({ name, where, selfMs: us / 1000, selfPercent: (us / totalUs) * 100 }))
    .sort((a, b) => b.selfMs - a.selfMs);
  return { frames, totalMs: totalUs / 1000 };
}

/**
 * The hottest source lines of isr-plug's own code (src/), from V8's per-line ticks. Only
 * meaningful for the profiling build, whose lines map back to src/ (tsx's output is one line).
 */
export function hotLines(file: string, top: number): { where: string; name: string; percent: number }[] {
  const profile = load(file);
  const total = profile.samples.length;
  const lines = new Map<string, { where: string; name: string; ticks: number }>();
  for (const node of profile.nodes) {
    for (const { line, ticks } of node.positionTicks ?? []) {
      const { path, line: originalLine } = original(node.callFrame.url, line - 1, 0);
      const at = shorten(path, originalLine);
      if (!at.startsWith("src/")) continue;
      const entry = lines.get(at) ?? {
        where: at,
        name: node.callFrame.functionName || "(anonymous)",
        ticks: 0,
      };
      entry.ticks += ticks;
      lines.set(at, entry);
    }
  }
  return [...lines.values()]
    .sort((a, b) => b.ticks - a.ticks)
    .slice(0, top)
    .map(({ where, name, ticks }) => ({ where, name, percent: (ticks / total) * 100 }));
}

/** Which code a frame belongs to, for the per-area totals. */
export function areaOf(frame: Frame): string {
  if (frame.where === "") return frame.name; // (garbage collector), (program), (idle)
  if (frame.where.startsWith("src/")) return "isr-plug (src/)";
  if (frame.where.startsWith("bench/")) return "bench harness";
  if (frame.where.startsWith("pkg:")) {
    const rest = frame.where.slice(4);
    const parts = rest.split("/");
    return rest.startsWith("@") ? `${parts[0]}/${parts[1]}` : (parts[0] ?? rest);
  }
  if (frame.where.startsWith("node:")) return "node internals";
  return "other";
}

/**
 * Share of the samples taken inside `scope` (anywhere on the stack) that were also inside
 * each of `parts`: e.g. of the time in the bench loop, how much was under `Engine.get`.
 * Frames are matched by function name and the end of their (source-mapped) location,
 * "get@src/engine.ts"; scope "*" is every sample but V8's "(idle)".
 */
export function inclusiveShares(
  file: string,
  scope: string,
  parts: readonly string[],
): { scopeSamples: number; shares: Record<string, number> } {
  const profile = load(file);
  const parent = new Map<number, number>();
  const label = new Map<number, string>();
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) parent.set(child, node.id);
    const at = where(node.callFrame).replace(/:\d+$/, "").replace(/^pkg:/, "node_modules/");
    label.set(node.id, `${node.callFrame.functionName}@${at}`);
  }
  const matches = (id: number, wanted: string): boolean => {
    const [name, path = ""] = wanted.split("@");
    const text = label.get(id) ?? "";
    return text.startsWith(`${name}@`) && text.endsWith(path);
  };
  const onStack = (id: number, wanted: string): boolean => {
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at))
      if (matches(at, wanted)) return true;
    return false;
  };
  let scopeSamples = 0;
  const counts = new Map<string, number>(parts.map((part) => [part, 0]));
  const memo = new Map<number, boolean[]>();
  for (const id of profile.samples) {
    let flags = memo.get(id);
    if (flags === undefined) {
      const inScope = scope === "*" ? !label.get(id)?.startsWith("(idle)@") : onStack(id, scope);
      flags = [inScope, ...parts.map((part) => onStack(id, part))];
      memo.set(id, flags);
    }
    if (!flags[0]) continue;
    scopeSamples++;
    parts.forEach((part, index) => {
      if (flags?.[index + 1]) counts.set(part, (counts.get(part) ?? 0) + 1);
    });
  }
  return {
    scopeSamples,
    shares: Object.fromEntries(
      parts.map((part) => [part, (counts.get(part) ?? 0) / Math.max(1, scopeSamples)]),
    ),
  };
}

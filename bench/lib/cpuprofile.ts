import { readFileSync } from "node:fs";
import { ROOT } from "./child.js";

/** The parts of a V8 .cpuprofile (as written by `node --cpu-prof`) that self time needs. */
interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
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

/** Shortens a profile URL to something a reader can find: repo path, package file or node module. */
function locate(url: string, line: number): string {
  if (url === "") return "";
  const path = url.startsWith("file://") ? decodeURIComponent(url.slice("file://".length)) : url;
  const at = `:${line + 1}`;
  const modules = path.lastIndexOf("/node_modules/");
  if (modules >= 0) return `pkg:${path.slice(modules + "/node_modules/".length)}${at}`;
  if (path.startsWith(ROOT)) return `${path.slice(ROOT.length)}${at}`;
  return `${path}${at}`;
}

/**
 * Self time per function, summed over every node of the call tree it appears in. A sample
 * lasts until the next one (timeDeltas[i + 1]), which weights samples by real time.
 */
export function selfTimes(file: string): { frames: Frame[]; totalMs: number } {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byNode = new Map<number, string>();
  const info = new Map<string, { name: string; where: string }>();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber, columnNumber } = node.callFrame;
    const key = `${functionName}@${url}:${lineNumber}:${columnNumber}`;
    byNode.set(node.id, key);
    if (!info.has(key))
      info.set(key, { name: functionName || "(anonymous)", where: locate(url, lineNumber) });
  }
  const selfUs = new Map<string, number>();
  let totalUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const duration = profile.timeDeltas[i + 1] ?? 0;
    const key = byNode.get(profile.samples[i] as number);
    if (key === undefined) continue;
    selfUs.set(key, (selfUs.get(key) ?? 0) + duration);
    totalUs += duration;
  }
  const frames = [...selfUs.entries()]
    .map(([key, us]) => {
      const { name, where } = info.get(key) ?? { name: key, where: "" };
      return { name, where, selfMs: us / 1000, selfPercent: (us / totalUs) * 100 };
    })
    .sort((a, b) => b.selfMs - a.selfMs);
  return { frames, totalMs: totalUs / 1000 };
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

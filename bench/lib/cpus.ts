import { execFileSync } from "node:child_process";

export interface Pinning {
  /** CPU for the server under test, when pinning works. */
  server?: number;
  /** CPU for the load generator, when pinning works. */
  load?: number;
  /** One sentence for the table caption: what was pinned, or why nothing was. */
  note: string;
}

/** Expands taskset's "0,2-3" into [0, 2, 3]. */
function parseList(list: string): number[] {
  return list.split(",").flatMap((part) => {
    const [from, to] = part.split("-").map(Number);
    if (from === undefined || Number.isNaN(from)) return [];
    if (to === undefined) return [from];
    return Array.from({ length: to - from + 1 }, (_, index) => from + index);
  });
}

/**
 * Server on one CPU and load generator on another, from the CPUs this process may use.
 * Without taskset or with fewer than two CPUs, nothing is pinned and the caption says so.
 */
export function choosePinning(): Pinning {
  let cpus: number[];
  try {
    const output = execFileSync("taskset", ["-pc", String(process.pid)], { encoding: "utf8" });
    cpus = parseList(/list:\s*([\d,-]+)/.exec(output)?.[1] ?? "");
    execFileSync("taskset", ["-c", String(cpus[0]), "true"]);
  } catch {
    return { note: "not pinned: taskset is not available here, so server and load generator share the CPUs" };
  }
  if (cpus.length < 2) {
    return {
      note: `not pinned: only CPU ${cpus.join(",")} is available, so server and load generator share it`,
    };
  }
  const load = cpus[0] as number;
  const server = cpus[cpus.length - 1] as number;
  return { server, load, note: `server pinned to CPU ${server}, load generator to CPU ${load} (taskset)` };
}

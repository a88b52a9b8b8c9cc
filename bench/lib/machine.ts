import { readFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";

export interface Machine {
  node: string;
  cpuModel: string;
  cores: number;
  platform: string;
  /** 1, 5 and 15-minute load averages: other processes sharing the cores move every timing. */
  loadAverage: string;
}

/** What the tables ran on, from /proc/cpuinfo where there is one. */
export function describeMachine(): Machine {
  let cpuModel = "unknown";
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"));
    if (match?.[1] !== undefined) cpuModel = match[1].trim();
  } catch {
    // not Linux: the model stays unknown
  }
  return {
    node: process.version,
    cpuModel,
    cores: availableParallelism(),
    platform: `${process.platform} ${process.arch}`,
    loadAverage: loadavg()
      .map((load) => load.toFixed(2))
      .join(" / "),
  };
}

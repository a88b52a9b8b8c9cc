import type { Chart } from "../lib/chart.js";
import type { Peer } from "../peers/types.js";

export interface ScenarioContext {
  peers: readonly Peer[];
  /** Progress lines, to stderr, so stdout carries only the tables. */
  log: (line: string) => void;
}

export interface ScenarioResult {
  /** One or more markdown tables with their captions. */
  markdown: string;
  /** Everything measured, for bench/results/*.json. */
  data: unknown;
  /** Curves drawn as SVG next to the JSON results. */
  charts?: Chart[];
}

export interface Scenario {
  name: string;
  run(context: ScenarioContext): Promise<ScenarioResult>;
}

import { httpTable, measurePlan } from "../http/measure.js";
import { config } from "../lib/config.js";
import { choosePinning } from "../lib/cpus.js";
import type { Scenario, ScenarioResult } from "./scenario.js";

/**
 * Whole-response caching (`isrResponse`) against the bare route it caches, over HTTP, in one
 * run: requests/s and server CPU per request side by side.
 */
export const pages: Scenario = {
  name: "pages",
  async run({ log }): Promise<ScenarioResult> {
    const pinning = choosePinning();
    log(`  ${pinning.note}`);
    const results = await measurePlan(
      {
        framework: "pages",
        variants: [
          { variant: "bare", label: "bare route (renders the page every request)" },
          { variant: "plug", label: "isrResponse (the cached page)" },
        ],
      },
      pinning,
      log,
    );
    const { passes, measureSeconds, connections, tenants } = config.http;
    const method =
      `Express 5, GET /settings: a ~12 KB HTML page per tenant (${tenants} tenants by header, which joins the key), ` +
      `autocannon ${connections} connections on 127.0.0.1, ${measureSeconds} s per pass, median of ${passes} passes; ` +
      `server CPU from \`process.cpuUsage\` in the server process divided by the requests answered. ${pinning.note}.`;
    return {
      markdown: `### Pages: a cached whole response against the bare route\n\n${method}\n\n${httpTable(results, { variant: "plug", name: "isrResponse" })}`,
      data: { pinning, express: results },
    };
  },
};

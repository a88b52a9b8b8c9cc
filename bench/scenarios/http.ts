import type { Variant } from "../http/app.js";
import { httpTable, measurePlan, type Plan } from "../http/measure.js";
import { config } from "../lib/config.js";
import { choosePinning } from "../lib/cpus.js";
import type { Peer } from "../peers/types.js";
import type { Scenario, ScenarioResult } from "./scenario.js";

/** Fastify gets every peer (the reference rows); Express and Hono the bare app, lru-cache and isr-plug. */
export function plans(peers: readonly Peer[]): Plan[] {
  const hook = (peer: string): { variant: Variant; label: string } => ({
    variant: `hook:${peer}`,
    label: peer === "isr-plug" ? "hook: await isr.get (core)" : `hook: await ${peer}`,
  });
  const plug = (usage: string) => ({ variant: "plug" as Variant, label: `isr-plug ${usage}` });
  return [
    {
      framework: "fastify",
      variants: [
        { variant: "bare", label: "bare app" },
        ...peers.map((peer) => hook(peer.name)),
        plug("plugin (app.register)"),
      ],
    },
    {
      framework: "express",
      variants: [{ variant: "bare", label: "bare app" }, hook("lru-cache"), plug("middleware (app.use)")],
    },
    {
      framework: "hono",
      variants: [{ variant: "bare", label: "bare app" }, hook("lru-cache"), plug("middleware (app.use)")],
    },
  ];
}

/** The sentence every HTTP table is read with. */
export function httpMethod(pinningNote: string): string {
  const { passes, measureSeconds, connections, tenants } = config.http;
  return (
    `Fresh hits for ${tenants} tenants, autocannon ${connections} connections on 127.0.0.1. GET /settings answers ` +
    "from per-tenant settings the variant put on the request (the bare app uses a constant of the same shape). " +
    `Server CPU from \`process.cpuUsage\` in the server process over ${measureSeconds} s after a warm-up, divided ` +
    'by the requests answered; "added" is over the bare app of the same framework. ' +
    `${pinningNote[0]?.toUpperCase()}${pinningNote.slice(1)}. Median of ${passes} passes, each variant in its own ` +
    "server process started up front, the order reversed on every other pass."
  );
}

export const http: Scenario = {
  name: "http",
  async run({ peers, log }): Promise<ScenarioResult> {
    const pinning = choosePinning();
    log(`  ${pinning.note}`);
    const sections: string[] = [];
    const data: Record<string, unknown> = { pinning };
    for (const plan of plans(peers)) {
      const results = await measurePlan(plan, pinning, log);
      data[plan.framework] = results;
      sections.push(
        `#### ${plan.framework}\n\n${httpTable(results, { variant: "hook:lru-cache", name: "lru-cache" })}`,
      );
    }
    return {
      markdown: `### (c) HTTP: isr-plug middleware against the bare app and lru-cache\n\n${httpMethod(pinning.note)}\n\n${sections.join("\n\n")}`,
      data,
    };
  },
};

import type { Variant } from "../http/app.js";
import { httpTable, measurePlan, type Plan } from "../http/measure.js";
import { config } from "../lib/config.js";
import { choosePinning } from "../lib/cpus.js";
import { fixed, signed, spread, table } from "../lib/format.js";
import type { Peer } from "../peers/types.js";
import type { Scenario, ScenarioResult } from "./scenario.js";
import { type Contender, measureThroughput, type Row, SCALING_PEERS } from "./throughput.js";

/** Fastify gets the floor, isr-plug's core and lru-cache in a hook; Express and Hono the bare app, lru-cache and isr-plug. */
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
        ...peers.filter((peer) => SCALING_PEERS.includes(peer.name)).map((peer) => hook(peer.name)),
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

const MIDDLEWARES: Contender[] = [
  { spec: "bare", name: "bare", call: "(req, res, next) => next()", version: "" },
  { spec: "hook:lru-cache", name: "hook: await lru-cache", call: "async middleware", version: "" },
  { spec: "plug", name: "isr-plug middleware", call: "isrPlug({ ... })", version: "" },
];

/**
 * Each Express middleware called directly with stub req/res: its own cost per request, in
 * ns, without the HTTP stack whose spread hides it.
 */
async function middlewareCost(log: (line: string) => void): Promise<{ rows: Row[]; markdown: string }> {
  const { rounds, warmupMs, measureMs } = config.middleware;
  const rows = await measureThroughput(
    MIDDLEWARES,
    config.http.tenants,
    ["bare"],
    log,
    {
      script: "bench/scenarios/middleware-child.ts",
      args: (contender) => [contender.spec, String(config.http.tenants), String(warmupMs), String(measureMs)],
      // The child checks each variant put the right tenant's settings on the request.
      check: () => {},
      label: "middleware",
    },
    rounds,
  );
  const ns = (ops: number) => 1e9 / ops;
  const bare = rows.find((row) => row.peer === "bare");
  const markdown =
    `#### Express middleware called directly (no HTTP)\n\nEach middleware called with a stub request and ` +
    `response for ${config.http.tenants} tenants in turn, awaited until it calls \`next\`; ${measureMs} ms per ` +
    `measurement after a warm-up, each variant in its own process, median of ${rounds} rounds (order ` +
    "rotated). The bare row is the harness itself (a middleware that only calls `next`).\n\n" +
    table(
      ["middleware", "ns per call (median)", "min–max of rounds", "added ns over bare"],
      rows.map((row) => [
        `${row.peer}: ${row.call}`,
        fixed(ns(row.medianOpsPerSecond), 0),
        spread(fixed(ns(Math.max(...row.samples)), 0), fixed(ns(Math.min(...row.samples)), 0)),
        row === bare
          ? "—"
          : signed(ns(row.medianOpsPerSecond) - ns(bare?.medianOpsPerSecond ?? Number.NaN), 0),
      ]),
      ["left", "right", "right", "right"],
    );
  return { rows, markdown };
}

export const http: Scenario = {
  name: "http",
  async run({ peers, log }): Promise<ScenarioResult> {
    const pinning = choosePinning();
    log(`  ${pinning.note}`);
    const direct = await middlewareCost(log);
    const sections: string[] = [];
    const data: Record<string, unknown> = { pinning, middleware: direct.rows };
    for (const plan of plans(peers)) {
      const results = await measurePlan(plan, pinning, log);
      data[plan.framework] = results;
      sections.push(
        `##### ${plan.framework}\n\n${httpTable(results, { variant: "hook:lru-cache", name: "lru-cache" })}`,
      );
    }
    return {
      markdown:
        `### (c) HTTP: isr-plug middleware against the bare app and lru-cache\n\n${direct.markdown}\n\n` +
        `#### Over HTTP\n\n${httpMethod(pinning.note)} "Added" compares each pass with the bare app's pass ` +
        "of the same round; where its min–max spans zero, this run cannot tell the variant from the bare " +
        `app.\n\n${sections.join("\n\n")}`,
      data,
    };
  },
};

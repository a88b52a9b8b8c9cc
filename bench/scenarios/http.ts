import type { Variant } from "../http/app.js";
import type { LoadResult } from "../http/load.js";
import type { CpuReading } from "../http/server.js";
import { Child } from "../lib/child.js";
import { config } from "../lib/config.js";
import { choosePinning, type Pinning } from "../lib/cpus.js";
import { median } from "../lib/stats.js";
import { fixed, markdownTable, ratio, signed, thousands } from "../lib/table.js";
import type { Peer } from "../peers/types.js";
import type { Scenario, ScenarioResult } from "./scenario.js";

interface Pass {
  requests: number;
  requestsPerSecond: number;
  cpuUsPerRequest: number;
  busyPercent: number;
  latencyP99Ms: number;
  failures: number;
}

export interface VariantResult {
  variant: Variant;
  label: string;
  passes: Pass[];
  requestsPerSecond: number;
  cpuUsPerRequest: number;
}

export interface FrameworkPlan {
  framework: string;
  variants: { variant: Variant; label: string }[];
}

/** Fastify gets every peer (the reference rows); Express and Hono the bare app, lru-cache and isr-plug. */
export function plans(peers: readonly Peer[]): FrameworkPlan[] {
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

async function verify(port: number, variant: Variant): Promise<void> {
  const response = await fetch(`http://127.0.0.1:${port}/check`, { headers: { "x-tenant": "tenant-7" } });
  const body = (await response.json()) as { tenant: string | null };
  const expected = variant === "bare" ? null : "tenant-7";
  if (body.tenant !== expected) {
    throw new Error(`${variant}: /check answered ${JSON.stringify(body)}, expected tenant ${expected}`);
  }
}

async function measureOnce(
  framework: string,
  variant: Variant,
  load: Child,
  pinning: Pinning,
): Promise<Pass> {
  const { warmupSeconds, measureSeconds, connections, tenants } = config.http;
  const server = new Child("bench/http/server.ts", [framework, variant], { cpu: pinning.server });
  try {
    const { port } = await server.result<{ port: number }>();
    await verify(port, variant);
    const url = `http://127.0.0.1:${port}/settings`;
    // The warm-up fills the cache with every tenant and lets the JIT settle.
    await load.request<LoadResult>("run", { url, seconds: warmupSeconds, connections, tenants });
    await server.request("cpu-start");
    const result = await load.request<LoadResult>("run", {
      url,
      seconds: measureSeconds,
      connections,
      tenants,
    });
    const cpu = await server.request<CpuReading>("cpu-stop");
    const cpuUs = cpu.userUs + cpu.systemUs;
    return {
      requests: result.requests,
      requestsPerSecond: result.requestsPerSecond,
      cpuUsPerRequest: cpuUs / result.requests,
      busyPercent: (cpuUs / 1000 / cpu.elapsedMs) * 100,
      latencyP99Ms: result.latencyP99Ms,
      failures: result.errors + result.non2xx,
    };
  } finally {
    await server.stop();
  }
}

function table(results: readonly VariantResult[]): string {
  const bare = results.find((r) => r.variant === "bare");
  const lru = results.find((r) => r.variant === "hook:lru-cache");
  return markdownTable(
    [
      "variant",
      "req/s",
      "× bare",
      "× lru-cache",
      "server CPU µs/req",
      "added µs/req",
      "server busy",
      "p99 ms",
      "failed",
    ],
    results.map((r) => [
      r.label,
      thousands(r.requestsPerSecond),
      ratio(r.requestsPerSecond / (bare?.requestsPerSecond ?? Number.NaN)),
      ratio(r.requestsPerSecond / (lru?.requestsPerSecond ?? Number.NaN)),
      fixed(r.cpuUsPerRequest, 1),
      r.variant === "bare" ? "—" : signed(r.cpuUsPerRequest - (bare?.cpuUsPerRequest ?? Number.NaN), 1),
      `${fixed(median(r.passes.map((p) => p.busyPercent)), 0)} %`,
      fixed(median(r.passes.map((p) => p.latencyP99Ms)), 1),
      String(r.passes.reduce((sum, p) => sum + p.failures, 0)),
    ]),
    ["left", "right", "right", "right", "right", "right", "right", "right", "right"],
  );
}

export const http: Scenario = {
  name: "http",
  async run({ peers, log }): Promise<ScenarioResult> {
    const { passes, measureSeconds, connections, tenants } = config.http;
    const pinning = choosePinning();
    log(`  ${pinning.note}`);
    const load = new Child("bench/http/load.ts", [], { cpu: pinning.load });
    await load.result();
    const sections: string[] = [];
    const data: Record<string, unknown> = { pinning };
    try {
      for (const plan of plans(peers)) {
        const results: VariantResult[] = plan.variants.map(({ variant, label }) => ({
          variant,
          label,
          passes: [],
          requestsPerSecond: Number.NaN,
          cpuUsPerRequest: Number.NaN,
        }));
        for (let pass = 0; pass < passes; pass++) {
          // A/B order alternates: forward on even passes, reversed on odd ones.
          for (const result of pass % 2 === 0 ? results : [...results].reverse()) {
            const measured = await measureOnce(plan.framework, result.variant, load, pinning);
            result.passes.push(measured);
            log(
              `  ${plan.framework} pass ${pass + 1}/${passes} ${result.variant}: ${thousands(measured.requestsPerSecond)} req/s, ` +
                `${fixed(measured.cpuUsPerRequest, 1)} µs CPU/req, server ${fixed(measured.busyPercent, 0)} % busy`,
            );
          }
        }
        for (const result of results) {
          result.requestsPerSecond = median(result.passes.map((p) => p.requestsPerSecond));
          result.cpuUsPerRequest = median(result.passes.map((p) => p.cpuUsPerRequest));
        }
        data[plan.framework] = results;
        sections.push(`#### ${plan.framework}\n\n${table(results)}`);
      }
    } finally {
      await load.stop();
    }
    return {
      markdown:
        `### (c) HTTP: fresh hits for ${tenants} tenants, autocannon ${connections} connections on 127.0.0.1\n\n` +
        `Route GET /settings reads per-tenant settings put on the request by the variant (the bare app uses a ` +
        `constant). Server CPU from \`process.cpuUsage\` in the server process over ${measureSeconds} s after a ` +
        `warm-up, divided by the requests answered; "added" is over the bare app of the same framework. ` +
        `${pinning.note[0]?.toUpperCase()}${pinning.note.slice(1)}. Median of ${passes} passes, the order reversed ` +
        `on every other pass.\n\n${sections.join("\n\n")}`,
      data,
    };
  },
};

import { max, median, min } from "simple-statistics";
import { Child } from "../lib/child.js";
import { config } from "../lib/config.js";
import type { Pinning } from "../lib/cpus.js";
import { fixed, ratio, signed, spread, table, thousands } from "../lib/format.js";
import type { Variant } from "./app.js";
import type { LoadResult } from "./load.js";
import type { CpuReading } from "./server.js";

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
  /** Medians over the passes. */
  requestsPerSecond: number;
  cpuUsPerRequest: number;
}

export interface Plan {
  framework: string;
  variants: { variant: Variant; label: string }[];
}

async function verify(port: number, variant: Variant): Promise<void> {
  const response = await fetch(`http://127.0.0.1:${port}/check`, { headers: { "x-tenant": "tenant-7" } });
  const body = (await response.json()) as { tenant: string | null };
  const expected = variant === "bare" ? null : "tenant-7";
  if (body.tenant !== expected) {
    throw new Error(`${variant}: /check answered ${JSON.stringify(body)}, expected tenant ${expected}`);
  }
}

interface Server {
  child: Child;
  url: string;
}

async function startServer(framework: string, variant: Variant, pinning: Pinning): Promise<Server> {
  const child = new Child("bench/http/server.ts", [framework, variant], { cpu: pinning.server });
  try {
    const { port } = await child.result<{ port: number }>();
    await verify(port, variant);
    return { child, url: `http://127.0.0.1:${port}/settings` };
  } catch (error) {
    await child.stop();
    throw error;
  }
}

async function measureOnce(server: Server, load: Child, warmupSeconds: number): Promise<Pass> {
  const { measureSeconds, connections, tenants, pipelining } = config.http;
  const run = { url: server.url, connections, tenants, pipelining };
  if (warmupSeconds > 0) await load.request<LoadResult>("run", { ...run, seconds: warmupSeconds });
  await server.child.request("cpu-start");
  const result = await load.request<LoadResult>("run", { ...run, seconds: measureSeconds });
  const cpu = await server.child.request<CpuReading>("cpu-stop");
  const cpuUs = cpu.userUs + cpu.systemUs;
  return {
    requests: result.requests,
    requestsPerSecond: result.requestsPerSecond,
    cpuUsPerRequest: cpuUs / result.requests,
    busyPercent: (cpuUs / 1000 / cpu.elapsedMs) * 100,
    latencyP99Ms: result.latencyP99Ms,
    failures: result.errors + result.non2xx,
  };
}

/**
 * Every variant of a plan, each in its own server process (all started up front, idle until
 * measured), `config.http.passes` times with the order reversed on every other pass, so no
 * variant always runs first or last. The first pass warms each server up (cache filled, JIT
 * settled); later passes measure at once.
 */
export async function measurePlan(
  plan: Plan,
  pinning: Pinning,
  log: (line: string) => void,
): Promise<VariantResult[]> {
  const { passes, warmupSeconds } = config.http;
  const results: VariantResult[] = plan.variants.map(({ variant, label }) => ({
    variant,
    label,
    passes: [],
    requestsPerSecond: Number.NaN,
    cpuUsPerRequest: Number.NaN,
  }));
  const load = new Child("bench/http/load.ts", [], { cpu: pinning.load });
  const servers = new Map<Variant, Server>();
  try {
    await load.result();
    // Started together: they share the server CPU only while starting, never while measured.
    const started = await Promise.allSettled(
      plan.variants.map(async ({ variant }) =>
        servers.set(variant, await startServer(plan.framework, variant, pinning)),
      ),
    );
    const failed = started.find((outcome): outcome is PromiseRejectedResult => outcome.status === "rejected");
    if (failed !== undefined) throw failed.reason;
    for (let pass = 0; pass < passes; pass++) {
      for (const result of pass % 2 === 0 ? results : [...results].reverse()) {
        const server = servers.get(result.variant) as Server;
        const measured = await measureOnce(server, load, pass === 0 ? warmupSeconds : 0);
        result.passes.push(measured);
        log(
          `  ${plan.framework} pass ${pass + 1}/${passes} ${result.variant}: ${thousands(measured.requestsPerSecond)} req/s, ` +
            `${fixed(measured.cpuUsPerRequest, 1)} µs CPU/req, server ${fixed(measured.busyPercent, 0)} % busy`,
        );
      }
    }
  } finally {
    await Promise.all([...servers.values()].map((server) => server.child.stop()));
    await load.stop();
  }
  for (const result of results) {
    result.requestsPerSecond = median(result.passes.map((p) => p.requestsPerSecond));
    result.cpuUsPerRequest = median(result.passes.map((p) => p.cpuUsPerRequest));
  }
  return results;
}

/**
 * Server CPU added over the bare app, pass by pass (the passes of a plan run side by side, so
 * pass i of a variant is compared with pass i of the bare app): median and min–max.
 */
export function addedOverBare(result: VariantResult, bare: VariantResult | undefined) {
  const added = result.passes.map(
    (pass, index) => pass.cpuUsPerRequest - (bare?.passes[index]?.cpuUsPerRequest ?? Number.NaN),
  );
  return { median: median(added), min: min(added), max: max(added) };
}

/** One table per framework; ratios against the bare app and against `reference` when present. */
export function httpTable(
  results: readonly VariantResult[],
  reference: { variant: Variant; name: string },
): string {
  const bare = results.find((r) => r.variant === "bare");
  const base = results.find((r) => r.variant === reference.variant);
  return table(
    [
      "variant",
      "req/s",
      "× bare",
      `× ${reference.name}`,
      "server CPU µs/req",
      "min–max",
      "added µs/req",
      "added: min–max of passes",
      "server busy",
      "p99 ms",
      "failed",
    ],
    results.map((r) => {
      const cpu = r.passes.map((p) => p.cpuUsPerRequest);
      const added = addedOverBare(r, bare);
      return [
        r.label,
        thousands(r.requestsPerSecond),
        ratio(r.requestsPerSecond / (bare?.requestsPerSecond ?? Number.NaN)),
        ratio(r.requestsPerSecond / (base?.requestsPerSecond ?? Number.NaN)),
        fixed(r.cpuUsPerRequest, 1),
        spread(fixed(min(cpu), 0), fixed(max(cpu), 0)),
        r.variant === "bare" ? "—" : signed(added.median, 1),
        r.variant === "bare" ? "—" : `${signed(added.min, 1)} to ${signed(added.max, 1)}`,
        `${fixed(median(r.passes.map((p) => p.busyPercent)), 0)} %`,
        fixed(median(r.passes.map((p) => p.latencyP99Ms)), 1),
        String(r.passes.reduce((sum, p) => sum + p.failures, 0)),
      ];
    }),
    ["left", "right", "right", "right", "right", "right", "right", "right", "right", "right", "right"],
  );
}

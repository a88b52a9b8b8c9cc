/** The load generator: a long-lived child (pinned to its own CPU) that runs autocannon on request. */
import autocannon from "autocannon";
import { reportResult, serveRequests } from "../lib/ipc.js";

export interface LoadRequest {
  url: string;
  seconds: number;
  connections: number;
  tenants: number;
  /** Requests in flight per connection (1: wait for each answer). */
  pipelining: number;
}

export interface LoadResult {
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  errors: number;
  non2xx: number;
}

serveRequests({
  async run(data): Promise<LoadResult> {
    const { url, seconds, connections, tenants, pipelining } = data as LoadRequest;
    // Each connection cycles through every tenant, so all of them stay hot.
    const requests = Array.from({ length: tenants }, (_, index) => ({
      method: "GET",
      headers: { "x-tenant": `tenant-${index}` },
    }));
    const result = await autocannon({ url, connections, pipelining, duration: seconds, requests });
    return {
      requests: result.requests.total,
      seconds: result.duration,
      requestsPerSecond: result.requests.total / result.duration,
      latencyP50Ms: result.latency.p50,
      latencyP99Ms: result.latency.p99,
      errors: result.errors + result.timeouts,
      non2xx: result.non2xx,
    };
  },
});
reportResult({ ready: true });

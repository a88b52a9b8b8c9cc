/**
 * One app under test, in its own (pinned) process. argv: framework, variant. Reports its
 * port, then measures its own CPU between "cpu-start" and "cpu-stop": process.cpuUsage
 * counts every thread of the process (GC helpers included), which req/s on loopback hides.
 */
import { reportResult, serveRequests } from "../lib/ipc.js";
import type { RunningApp, Variant } from "./app.js";

export interface CpuReading {
  userUs: number;
  systemUs: number;
  elapsedMs: number;
}

const [framework = "", variant = "bare"] = process.argv.slice(2);
if (!/^[a-z]+$/.test(framework)) throw new Error(`bad framework ${JSON.stringify(framework)}`);
const { start } = (await import(`./${framework}.ts`)) as { start: (variant: Variant) => Promise<RunningApp> };
const app = await start(variant as Variant);

let since = process.cpuUsage();
let startedAt = performance.now();
serveRequests(
  {
    "cpu-start": () => {
      since = process.cpuUsage();
      startedAt = performance.now();
    },
    "cpu-stop": (): CpuReading => {
      const used = process.cpuUsage(since);
      return { userUs: used.user, systemUs: used.system, elapsedMs: performance.now() - startedAt };
    },
  },
  () => app.close(),
);
reportResult({ port: app.port });

/**
 * One Express middleware variant called directly, with stub req/res, no HTTP: the per-request
 * cost of the middleware itself, which the HTTP figures bury under a ±10 µs spread.
 * argv: variant (bare, hook:lru-cache, plug), tenants, warm-up ms, measure ms.
 */
import type { Request, RequestHandler, Response } from "express";
import type { Variant } from "../http/app.js";
import { middlewareOf } from "../http/express.js";
import { runMeasurement } from "../lib/ipc.js";
import { tenantKeys } from "../lib/workload.js";
import type { ThroughputSample } from "./throughput-child.js";

/** The bare app's stand-in: a middleware that only passes the request on. */
const passThrough: RequestHandler = (_req, _res, next) => next();

runMeasurement(async (): Promise<ThroughputSample> => {
  const [variant = "bare", tenantsText = "100", warmupText = "300", measureText = "700"] =
    process.argv.slice(2);
  const middleware = (await middlewareOf(variant as Variant)) ?? passThrough;
  const requests = tenantKeys(Number(tenantsText)).map(
    (tenant) => ({ method: "GET", url: "/settings", headers: { "x-tenant": tenant } }) as unknown as Request,
  );
  // All the middleware touches of a response when Cache-Status is off (the default).
  const res = { headersSent: false, writableEnded: false } as unknown as Response;
  const call = (req: Request) =>
    new Promise<void>((resolve, reject) =>
      middleware(req, res, (error?: unknown) => (error === undefined ? resolve() : reject(error))),
    );
  let next = 0;
  const loop = async (durationMs: number): Promise<number> => {
    let done = 0;
    const start = performance.now();
    const end = start + durationMs;
    let now = start;
    do {
      for (let i = 0; i < 4096; i++) {
        await call(requests[next] as Request);
        if (++next === requests.length) next = 0;
      }
      done += 4096;
      now = performance.now();
    } while (now < end);
    return done / ((now - start) / 1000);
  };
  await loop(Number(warmupText));
  const opsPerSecond = await loop(Number(measureText));
  if (variant !== "bare") {
    for (const req of requests) {
      await call(req);
      const settings = (req as Request & { settings?: { tenant: string } }).settings;
      if (settings?.tenant !== req.headers["x-tenant"])
        throw new Error(
          `${variant} put ${JSON.stringify(settings)} on the request for ${req.headers["x-tenant"]}`,
        );
    }
  }
  return { opsPerSecond, fetches: requests.length };
});

// GET /edge/settings on the Edge runtime: the same wrapper, bundled for a worker-like sandbox.
import { DEFAULT_SETTINGS, withSettings } from "@/lib/settings";

export const runtime = "edge";

/** Defined only by the Edge runtime: proof of where this ran. */
declare const EdgeRuntime: string | undefined;

export const GET = withSettings((_request, settings, info) =>
  Response.json(
    { runtime: typeof EdgeRuntime === "string" ? "edge" : "nodejs", settings: settings ?? DEFAULT_SETTINGS },
    { headers: info ? { "x-isr-state": info.state } : {} },
  ),
);

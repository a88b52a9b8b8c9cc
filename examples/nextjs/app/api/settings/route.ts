// GET /api/settings on the Node.js runtime (the default).
import { DEFAULT_SETTINGS, withSettings } from "@/lib/settings";

export const GET = withSettings((_request, settings, info) =>
  // settings is undefined when the fetch failed and nothing is cached: answer the defaults.
  Response.json(
    { runtime: "nodejs", settings: settings ?? DEFAULT_SETTINGS },
    { headers: info ? { "x-isr-state": info.state } : {} },
  ),
);

// A Next.js App Router route handler (e.g. app/api/settings/route.ts). The same wrapped
// handler works for Bun.serve, Deno.serve and workers: it is (request) => Response.
import { DEFAULT_SETTINGS, withSettings } from "./settings.js";

export const GET = withSettings((_request, settings, info) =>
  // settings is undefined when the fetch failed and there is nothing cached: use defaults.
  Response.json(settings ?? DEFAULT_SETTINGS, { headers: info ? { "x-isr-state": info.state } : {} }),
);

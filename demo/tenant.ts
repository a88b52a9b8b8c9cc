import type { IncomingMessage } from "node:http";

const TENANT = /^[a-z0-9][a-z0-9-]{0,31}$/;

/**
 * The tenant of a request: the `x-tenant` header, else the first label of the Host
 * (`acme.localhost:3000` → `acme`). Both are client-controlled, so anything that is not a
 * short slug falls back to "public" — a flood of made-up hosts cannot mint cache keys.
 */
export function tenantOf(req: IncomingMessage): string {
  const header = req.headers["x-tenant"];
  if (typeof header === "string") return TENANT.test(header) ? header : "public";
  const host = (req.headers.host ?? "").replace(/:\d+$/, "").toLowerCase();
  const labels = host.split(".");
  if (labels.length < 2 || /^\d+$/.test(labels[0] ?? "")) return "public";
  const first = labels[0] ?? "";
  return TENANT.test(first) ? first : "public";
}

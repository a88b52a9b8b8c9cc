import type { ServerResponse } from "node:http";
import onHeaders from "on-headers";
import { CACHE_STATUS_HEADER, withCacheStatusMember } from "./cache-status.js";

type NodeResponse = Pick<ServerResponse, "writeHead" | "getHeader" | "setHeader" | "headersSent">;

/**
 * Adds this cache's `Cache-Status` member when the response's headers go out, after the
 * route ran: a value the route set (say, proxied from an upstream cache, closer to the
 * origin) stays first. Each middleware wraps `writeHead` around the previous one, so the
 * one registered last, nearest the route and so the origin, adds its member first, as
 * RFC 9211 §2 orders the list.
 */
export function addCacheStatusOnHeaders(res: NodeResponse, member: string): void {
  if (res.headersSent) return;
  onHeaders(res, () => {
    res.setHeader(CACHE_STATUS_HEADER, withCacheStatusMember(res.getHeader(CACHE_STATUS_HEADER), member));
  });
}

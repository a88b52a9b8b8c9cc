import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * The data behind a test fleet, over real HTTP on 127.0.0.1: each key has a version, which
 * the test bumps when "the data changes" (right before it invalidates). A fetch answers the
 * version it read, so a served value says how old it is.
 */
export class VersionedOrigin {
  readonly url: string;
  readonly #server: Server;
  readonly #versions = new Map<string, number>();
  reads = 0;

  private constructor(server: Server, url: string) {
    this.#server = server;
    this.url = url;
  }

  static start(): Promise<VersionedOrigin> {
    let origin: VersionedOrigin | undefined;
    const server = createServer((request, response) => {
      const key = decodeURIComponent((request.url ?? "/").slice(1));
      if (origin !== undefined) origin.reads += 1;
      response.setHeader("content-type", "application/json");
      response.end(JSON.stringify({ v: origin?.version(key) ?? 0 }));
    });
    server.keepAliveTimeout = 60_000;
    return new Promise((resolve) => {
      server.listen(0, "127.0.0.1", () => {
        origin = new VersionedOrigin(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
        resolve(origin);
      });
    });
  }

  version(key: string): number {
    return this.#versions.get(key) ?? 0;
  }

  /** The data of `key` changed: its version goes up. Returns the new version. */
  bump(key: string): number {
    const next = this.version(key) + 1;
    this.#versions.set(key, next);
    return next;
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

import { createServer, type Server, Socket } from "node:net";

/**
 * Which connection of a store a fault hits: its command connection (your client) or its
 * pub/sub connection (the one it opened with `duplicate()`). The proxy tells them apart by
 * what they send: a connection counts as pub/sub from its first SUBSCRIBE on.
 */
export type ConnectionKind = "command" | "pubsub";

/**
 * What the proxy does with a connection's bytes, both ways:
 * - `pass`: forwards them;
 * - `stall`: holds them, and forwards them all when the mode goes back to `pass`;
 * - `blackhole`: drops them, and never sends a FIN or RST (a NAT or load balancer that
 *   forgot the flow). A connection blackholed once stays dead.
 */
export type FaultMode = "pass" | "stall" | "blackhole";

const SUBSCRIBE = /\r\n(?:s?subscribe)\r\n/i;

class ProxiedConnection {
  kind: ConnectionKind = "command";
  dead = false;
  readonly #client: Socket;
  readonly #server: Socket;
  readonly #held: { to: Socket; chunk: Buffer }[] = [];
  #mode: FaultMode = "pass";
  /** Bytes seen from the client until it is known to be pub/sub (a SUBSCRIBE may span chunks). */
  #sniffed = "";

  constructor(client: Socket, server: Socket, kindMode: (kind: ConnectionKind) => FaultMode) {
    this.#client = client;
    this.#server = server;
    this.#mode = kindMode("command");
    client.on("data", (chunk: Buffer) => {
      if (this.kind === "command") {
        this.#sniffed = (this.#sniffed + chunk.toString("latin1")).slice(-64);
        if (SUBSCRIBE.test(this.#sniffed)) {
          this.kind = "pubsub";
          this.mode = kindMode("pubsub");
        }
      }
      this.#forward(server, chunk);
    });
    server.on("data", (chunk: Buffer) => this.#forward(client, chunk));
  }

  get mode(): FaultMode {
    return this.dead ? "blackhole" : this.#mode;
  }

  set mode(mode: FaultMode) {
    if (mode === "blackhole") this.dead = true;
    this.#mode = mode;
    if (mode === "pass" && !this.dead) {
      for (const { to, chunk } of this.#held.splice(0)) to.write(chunk);
    }
  }

  /** Closes both sides with an RST, as a crashed peer or a firewall would. */
  reset(): void {
    this.#client.resetAndDestroy();
    this.#server.resetAndDestroy();
  }

  destroy(): void {
    this.#client.destroy();
    this.#server.destroy();
  }

  #forward(to: Socket, chunk: Buffer): void {
    const mode = this.mode;
    if (mode === "blackhole") return;
    if (mode === "stall") this.#held.push({ to, chunk });
    else to.write(chunk);
  }
}

/**
 * A loopback TCP proxy in front of a redis-server, for fault injection. Point a store's client
 * at `port`; then stall, blackhole or reset its command and pub/sub connections separately.
 */
export class FaultProxy {
  readonly port: number;
  readonly #server: Server;
  readonly #connections = new Set<ProxiedConnection>();
  readonly #modes: Record<ConnectionKind, FaultMode> = { command: "pass", pubsub: "pass" };
  #refusing = false;

  private constructor(server: Server, port: number) {
    this.#server = server;
    this.port = port;
  }

  /** Starts a proxy on a free 127.0.0.1 port, forwarding to `targetPort`. */
  static start(targetPort: number): Promise<FaultProxy> {
    let proxy: FaultProxy | undefined;
    const server = createServer((client) => {
      client.setNoDelay(true);
      if (proxy === undefined || proxy.#refusing) {
        client.resetAndDestroy();
        return;
      }
      const upstream = new Socket();
      upstream.setNoDelay(true);
      const owner = proxy;
      const connection = new ProxiedConnection(client, upstream, (kind) => owner.#modes[kind]);
      owner.#connections.add(connection);
      const end = () => {
        owner.#connections.delete(connection);
        // A peer that closes passes its close on, unless the flow is blackholed.
        if (!connection.dead) connection.destroy();
      };
      client.on("error", () => {});
      upstream.on("error", () => {});
      client.on("close", end);
      upstream.on("close", end);
      upstream.connect(targetPort, "127.0.0.1");
    });
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => {
        const address = server.address();
        proxy = new FaultProxy(server, typeof address === "object" && address !== null ? address.port : 0);
        resolve(proxy);
      });
    });
  }

  /**
   * Sets the mode of every connection of `kind`: open now and opened later, or (`"open"`)
   * only those open now.
   */
  set(kind: ConnectionKind | "all", mode: FaultMode, scope: "all" | "open" = "all"): void {
    for (const each of kind === "all" ? (["command", "pubsub"] as const) : [kind]) {
      if (scope === "all") this.#modes[each] = mode;
      for (const connection of this.#connections) if (connection.kind === each) connection.mode = mode;
    }
  }

  /**
   * Blackholes the connections of `kind` open now (they stay dead: no byte, no FIN, no RST);
   * connections opened later pass. Returns how many were hit.
   */
  killSilently(kind: ConnectionKind | "all"): number {
    let hit = 0;
    for (const connection of this.#connections) {
      if (kind !== "all" && connection.kind !== kind) continue;
      connection.mode = "blackhole";
      hit += 1;
    }
    return hit;
  }

  /** Resets (RST) the connections of `kind` open now. Returns how many were hit. */
  reset(kind: ConnectionKind | "all"): number {
    let hit = 0;
    for (const connection of [...this.#connections]) {
      if (kind !== "all" && connection.kind !== kind) continue;
      this.#connections.delete(connection);
      connection.reset();
      hit += 1;
    }
    return hit;
  }

  /** While on, new connections are reset as they arrive (a host that refuses the port). */
  refuse(on: boolean): void {
    this.#refusing = on;
  }

  /** Open connections of `kind` that still carry bytes (not blackholed). */
  live(kind: ConnectionKind): number {
    let n = 0;
    for (const connection of this.#connections) if (connection.kind === kind && !connection.dead) n += 1;
    return n;
  }

  /** Everything back to `pass` for new connections; open connections keep what happened to them. */
  heal(): void {
    this.#refusing = false;
    this.set("all", "pass");
  }

  async close(): Promise<void> {
    for (const connection of this.#connections) connection.destroy();
    this.#connections.clear();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { describe, it } from "vitest";
import { freePort } from "../helpers.js";

export { freePort };

/** Whether `redis-server` can run here. */
export const hasRedisServer = spawnSync("redis-server", ["--version"], { stdio: "ignore" }).status === 0;

/**
 * `describe` for tests that need a real redis-server. Without one, the suite is skipped
 * locally, but under CI=true it fails: CI must never pass by skipping the fleet.
 */
export function describeRedis(name: string, body: () => void): void {
  if (hasRedisServer) {
    describe(name, body);
  } else if (process.env.CI === "true") {
    describe(name, () => {
      it("needs redis-server", () => {
        throw new Error("redis-server is required under CI=true (apt-get install -y redis-server)");
      });
    });
  } else {
    describe.skip(name, body);
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** Starts it again on the same port (after `kill` or `stop`). */
  start(): Promise<void>;
  /** SIGKILL: the crash case. */
  kill(): Promise<void>;
  /** SIGTERM, then removes its directory. */
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

function launch(port: number, dir: string, cluster: boolean): Promise<ChildProcess> {
  const args = [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--save",
    "",
    "--appendonly",
    "no",
    "--dir",
    dir,
  ];
  if (cluster) {
    // A lone node does not know its own address and would announce "" to the client.
    args.push(
      "--cluster-enabled",
      "yes",
      "--cluster-config-file",
      `nodes-${port}.conf`,
      "--cluster-announce-ip",
      "127.0.0.1",
    );
  }
  const child = spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"] });
  live.add(child);
  child.once("exit", () => live.delete(child));
  return new Promise((resolve, reject) => {
    let output = "";
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("Ready to accept connections")) {
        child.stdout?.off("data", onData);
        child.stdout?.resume();
        resolve(child);
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.resume();
    child.once("exit", (code) =>
      reject(new Error(`redis-server exited with ${code}: ${output.slice(-500)}`)),
    );
  });
}

/** Gives a one-node cluster every slot, and waits until it says it is ok. */
async function formCluster(port: number): Promise<void> {
  const admin = new Redis({ port, host: "127.0.0.1", lazyConnect: true });
  await admin.connect();
  try {
    await admin.call("CLUSTER", "ADDSLOTSRANGE", "0", "16383");
    for (let i = 0; i < 200; i++) {
      const info = String(await admin.call("CLUSTER", "INFO"));
      if (info.includes("cluster_state:ok")) return;
      await sleep(25);
    }
    throw new Error("the one-node cluster did not become ok");
  } finally {
    admin.disconnect();
  }
}

/**
 * Starts a throwaway redis-server on a free 127.0.0.1 port, keeping nothing on disk
 * (`--save "" --appendonly no`). With `cluster`, a one-node Redis Cluster holding all slots;
 * with `port`, on that port (a store was pointed at it before Redis existed).
 */
export async function startRedis(options: { cluster?: boolean; port?: number } = {}): Promise<RedisServer> {
  const cluster = options.cluster === true;
  const dir = mkdtempSync(join(tmpdir(), "isr-plug-redis-"));
  let port = 0;
  let child: ChildProcess | undefined;
  for (let attempt = 0; child === undefined; attempt++) {
    port = options.port ?? (await freePort());
    try {
      child = await launch(port, dir, cluster);
    } catch (error) {
      if (attempt >= 3 || options.port !== undefined) throw error;
    }
  }
  if (cluster) await formCluster(port);
  let current: ChildProcess | undefined = child;
  const halt = async (signal: NodeJS.Signals) => {
    const running = current;
    current = undefined;
    if (running === undefined) return;
    running.kill(signal);
    await exited(running);
  };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start() {
      if (current !== undefined) return;
      current = await launch(port, dir, cluster);
    },
    kill: () => halt("SIGKILL"),
    async stop() {
      await halt("SIGTERM");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

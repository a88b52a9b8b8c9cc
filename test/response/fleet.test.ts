import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeRedis, type RedisServer, startRedis } from "../redis/redis-server.js";
import { send } from "./pages.js";

const SERVER = fileURLToPath(new URL("./fleet-server.ts", import.meta.url));
const PROCESSES = 4;
const REQUESTS_EACH = 50;
// The key is the Host and the path: behind a load balancer, every process sees the site's one host.
const HOST = { host: "fleet.test" };

describeRedis("isrResponse: a fleet of 4 processes on one Redis", () => {
  let redis: RedisServer;
  let client: Redis;
  const children: ChildProcess[] = [];
  const urls: string[] = [];
  let misses = 0;
  let onMiss = () => {};

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
    for (let i = 0; i < PROCESSES; i++) {
      const child = fork(SERVER, [], {
        execArgv: ["--import", "tsx"],
        env: { ...process.env, REDIS_URL: redis.url },
        stdio: ["ignore", "inherit", "inherit", "ipc"],
      });
      children.push(child);
      const url = await new Promise<string>((resolve) => {
        child.on("message", (message: { event: string; url?: string }) => {
          if (message.event === "listening") resolve(message.url as string);
          if (message.event === "miss") {
            misses++;
            onMiss();
          }
        });
      });
      urls.push(url);
    }
  }, 60_000);

  afterAll(async () => {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            child.once("exit", () => resolve());
            child.send({ cmd: "stop" });
          }),
      ),
    );
    client?.disconnect();
    await redis?.stop();
  });

  it("renders a cold page once for concurrent requests to every process", async () => {
    const allArrived = new Promise<void>((resolve) => {
      onMiss = () => {
        if (misses === PROCESSES * REQUESTS_EACH) resolve();
      };
    });
    const answers = Promise.all(
      urls.flatMap((url) =>
        Array.from({ length: REQUESTS_EACH }, () => send(`${url}/page`, { headers: HOST })),
      ),
    );
    await allArrived;
    await client.set("gate", "open");
    const bodies = (await answers).map((answer) => answer.body);
    expect(new Set(bodies)).toEqual(new Set(["render 1"]));
    expect(await client.get("renders")).toBe("1");
    // And every process serves it from the cache afterwards.
    for (const url of urls) {
      const hit = await send(`${url}/page`, { headers: HOST });
      expect(hit.body).toBe("render 1");
      expect(Number(hit.headers.age)).toBeGreaterThanOrEqual(0);
    }
    expect(await client.get("renders")).toBe("1");
  }, 60_000);
});

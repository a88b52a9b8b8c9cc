import { type ChildProcess, spawn } from "node:child_process";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeRedis, freePort, type RedisServer, startRedis } from "./redis-server.js";

/** `REDIS_URL=… npm start`, twice: two demo processes share one Redis. */
describeRedis("demo on Redis", () => {
  let server: RedisServer;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    for (const child of children) {
      if (child.exitCode === null && child.pid !== undefined) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        process.kill(-child.pid, "SIGTERM");
        await exited;
      }
    }
    await server?.stop();
  });

  const startDemo = async () => {
    const port = await freePort();
    const child = spawn("npm", ["start", "--silent"], {
      env: { ...process.env, PORT: String(port), REDIS_URL: server.url },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    children.push(child);
    let output = "";
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes("isr-plug demo on")) resolve();
      };
      child.stdout?.on("data", onData);
      child.stderr?.on("data", onData);
      child.once("exit", (code) => reject(new Error(`npm start exited with ${code}: ${output}`)));
    });
    expect(output).toContain(`(redis store at ${server.url})`);
    return `http://127.0.0.1:${port}`;
  };

  it("serves a second process from the entry the first one fetched", async () => {
    const [one, two] = await Promise.all([startDemo(), startDemo()]);
    const first = await fetch(`${one}/settings.json`, { headers: { "x-tenant": "acme" } });
    expect(first.headers.get("x-isr-state")).toBe("miss");
    const body = (await first.json()) as { settings: { fetchedAt: string } };
    const second = await fetch(`${two}/settings.json`, { headers: { "x-tenant": "acme" } });
    expect(second.headers.get("x-isr-state")).toBe("fresh");
    expect(((await second.json()) as { settings: { fetchedAt: string } }).settings.fetchedAt).toBe(
      body.settings.fetchedAt,
    );
  }, 30_000);
});

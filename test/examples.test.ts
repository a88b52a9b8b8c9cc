import { type ChildProcess, spawn } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { httpGet } from "./helpers.js";

const root = new URL("..", import.meta.url).pathname;
const children: ChildProcess[] = [];
afterEach(async () => {
  await Promise.all(
    children.splice(0).map((child) => {
      if (child.exitCode !== null || child.signalCode !== null) return undefined;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      return exited;
    }),
  );
});

/** Runs an example as a user would (through tsx) on a free port; resolves with its URL. */
function start(example: string): Promise<string> {
  const child = spawn(process.execPath, ["--import", "tsx", `examples/${example}/server.ts`], {
    cwd: root,
    env: { ...process.env, PORT: "0" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let output = "";
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const url = /example on (http:\/\/\S+?)\/?$/m.exec(output)?.[1];
      if (url !== undefined) resolve(url);
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => reject(new Error(`examples/${example} exited with ${code}: ${output}`)));
  });
}

describe("examples", () => {
  it.each(["express", "fastify", "koa", "hono", "web"])(
    "%s serves the tenant's settings through isr-plug",
    async (example) => {
      const url = await start(example);
      const response = await httpGet(`${url}/`, { host: "acme.localhost" });
      expect(response.status).toBe(200);
      expect(response.headers["x-isr-state"]).toBe("miss");
      expect(JSON.parse(response.body)).toEqual({ featureXEnabled: true, theme: "dark" });
    },
  );
});

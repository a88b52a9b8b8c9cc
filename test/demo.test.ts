import { spawn } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { createDemoApp } from "../demo/app.js";
import { tenantOf } from "../demo/tenant.js";
import { freePort, httpGet, listen } from "./helpers.js";

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

describe("demo", () => {
  it("serves per-tenant settings with x-isr-state and an HTML page", async () => {
    const silent = { debug() {}, info() {}, warn() {}, error() {} };
    const { app, source, settings } = createDemoApp({ latencyMs: 20, logger: silent });
    const server = await listen((port, host, ready) => app.listen(port, host, ready));
    closers.push(async () => {
      await server.close();
      await settings.isr.close();
    });
    const first = await fetch(`${server.url}/settings.json`, { headers: { "x-tenant": "acme" } });
    expect(first.headers.get("x-isr-state")).toBe("miss");
    expect(((await first.json()) as { settings: { tenant: string } }).settings.tenant).toBe("acme");
    const again = await fetch(`${server.url}/settings.json`, { headers: { "x-tenant": "acme" } });
    expect(again.headers.get("x-isr-state")).toBe("fresh");
    const html = (await httpGet(`${server.url}/`, { host: "globex.localhost" })).body;
    expect(html).toContain('<strong id="tenant">globex</strong>');
    expect(html).toContain('class="state miss"');
    expect(source.fetches).toBe(2);
  });

  it("takes the tenant from x-tenant or the Host subdomain, and refuses made-up ones", () => {
    const req = (headers: Record<string, string>) => ({ headers }) as never;
    expect(tenantOf(req({ "x-tenant": "acme" }))).toBe("acme");
    expect(tenantOf(req({ host: "globex.localhost:3000" }))).toBe("globex");
    expect(tenantOf(req({ host: "127.0.0.1:3000" }))).toBe("public");
    expect(tenantOf(req({ host: "localhost" }))).toBe("public");
    expect(tenantOf(req({ "x-tenant": "<script>" }))).toBe("public");
    expect(tenantOf(req({ host: `${"a".repeat(40)}.example.com` }))).toBe("public");
  });

  it("`npm start` answers on $PORT", async () => {
    // A port the OS just handed out, not a random one that may be taken.
    const port = await freePort();
    const child = spawn("npm", ["start", "--silent"], {
      env: { ...process.env, PORT: String(port) },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    closers.push(async () => {
      if (child.exitCode === null && child.pid !== undefined) process.kill(-child.pid, "SIGTERM");
      await new Promise((resolve) => child.once("exit", resolve));
    });
    let output = "";
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        // The last start-up line: the inspector's URL with its token.
        if (/inspector: \S+\n/.test(output)) resolve();
      };
      child.stdout.on("data", onData);
      child.stderr.on("data", onData);
      child.once("exit", (code) => reject(new Error(`npm start exited with ${code}: ${output}`)));
    });
    const response = await fetch(`http://127.0.0.1:${port}/`, { headers: { "x-tenant": "acme" } }).catch(
      (error: unknown) => {
        // Say why (fetch's own message is only "fetch failed") and what the demo printed.
        const cause = error instanceof Error ? String(error.cause ?? error) : String(error);
        throw new Error(`GET / on the demo failed: ${cause}\ndemo output:\n${output}`);
      },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-status")).toBe("isr-plug; fwd=miss; stored");
    expect(await response.text()).toContain('<strong id="tenant">acme</strong>');
    // The inspector is mounted with the token printed at start-up, and refuses requests without it.
    const token = /inspector: \S+#token=(\S+)/.exec(output)?.[1];
    expect(token).toBeDefined();
    const api = `http://127.0.0.1:${port}/isr-inspector/api`;
    expect((await fetch(api)).status).toBe(401);
    const snapshot = await fetch(api, { headers: { authorization: `Bearer ${token}` } });
    expect(snapshot.status).toBe(200);
    const body = (await snapshot.json()) as {
      namespaces: { namespace: string; entries: { key: unknown }[] }[];
    };
    expect(body.namespaces[0]?.namespace).toBe("demo-settings");
    expect(body.namespaces[0]?.entries.map((e) => e.key)).toEqual([["settings", "acme"]]);
  });
});

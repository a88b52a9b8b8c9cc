import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Origin, startOrigin } from "./origin.js";
import { freePort, type Started, startProcess } from "./process.js";
import {
  expectMissThenFresh,
  expectOneEntryPerHost,
  expectOneFetchForColdBurst,
  getAs,
  pollUntil,
} from "./scenarios.js";

const root = resolve(import.meta.dirname, "../..");
const app = join(root, "examples/nextjs");
const next = join(app, "node_modules/next/dist/bin/next");
/** Fresh for 2 s, so the test sees the entry go stale and be refreshed in real time. */
const TTL_MS = 2_000;

/** The environment without npm's own variables (`npm test` sets them; they would aim npm at the root). */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));
  return { ...env, NEXT_TELEMETRY_DISABLED: "1", ...extra };
}

/**
 * For `next build` and `next start`: Vitest sets NODE_ENV=test, and Next.js builds and serves
 * production only under "production" (which npm must not see: it would leave out devDependencies).
 */
const production = { NODE_ENV: "production" };

/**
 * Runs an install or build step at low CPU priority (`nice`): a Next.js build takes both cores
 * for a while, and the suite's other files, which run beside it, must not starve.
 */
async function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<void> {
  try {
    await promisify(execFile)("nice", ["-n", "15", command, ...args], {
      cwd,
      env: cleanEnv(env),
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(" ")} failed in ${cwd}:\n${stdout ?? ""}\n${stderr ?? ""}`);
  }
}

/**
 * Installs the example as a user would: its own dependencies (`npm ci`, unless CI or an earlier
 * run did), then isr-plug from the tarball `npm pack` makes of this build.
 */
async function installExample(): Promise<void> {
  if (!existsSync(next)) await run("npm", ["ci", "--no-audit", "--no-fund"], app);
  const packed = mkdtempSync(join(tmpdir(), "isr-plug-pack-"));
  try {
    await run("npm", ["pack", "--pack-destination", packed], root);
    const tarball = readdirSync(packed).find((name) => name.endsWith(".tgz"));
    if (tarball === undefined) throw new Error("npm pack made no tarball");
    await run("npm", ["install", "--no-save", "--no-audit", "--no-fund", join(packed, tarball)], app);
  } finally {
    rmSync(packed, { recursive: true, force: true });
  }
}

describe("examples/nextjs: isr-plug/web in a Next.js App Router app (next build, next start)", () => {
  let origin: Origin;
  let server: Started | undefined;
  let url = "";

  beforeAll(async () => {
    await installExample();
    await run(process.execPath, [next, "build"], app, production);
    origin = await startOrigin();
    const port = await freePort();
    server = await startProcess(process.execPath, [next, "start", "-H", "127.0.0.1", "-p", String(port)], {
      cwd: app,
      env: cleanEnv({ ...production, SETTINGS_ORIGIN: origin.url, ISR_TTL_MS: String(TTL_MS) }),
      ready: /Ready in/,
    });
    url = `http://127.0.0.1:${port}`;
  }, 600_000);

  afterAll(async () => {
    await server?.stop();
    await origin?.close();
  });

  describe.each([
    ["nodejs", "/api/settings"],
    ["edge", "/edge/settings"],
  ])("the %s route (%s)", (runtime, path) => {
    it("runs on its runtime, and goes miss → fresh → stale → refreshed", async () => {
      const tenant = `${runtime}-acme`;
      await expectMissThenFresh(`${url}${path}`, tenant, origin);
      expect((await getAs(tenant, `${url}${path}`)).runtime).toBe(runtime);
      const ask = () => getAs(tenant, `${url}${path}`);
      // Past its TTL the old value is served at once while one background refresh runs...
      const stale = await pollUntil(ask, (answer) => answer.state === "stale", "a stale serve");
      expect(stale.settings.version).toBe(1);
      // ...and once it lands, the new value is served fresh.
      const refreshed = await pollUntil(
        ask,
        (answer) => answer.settings.version === 2,
        "the refreshed value",
      );
      expect(refreshed.state).toBe("fresh");
      expect(origin.fetchesOf(tenant)).toBe(2);
    });

    it("fetches once for 20 concurrent cold requests", async () => {
      await expectOneFetchForColdBurst(`${url}${path}`, `${runtime}-burst`, origin, 20);
    });

    it("keeps one entry per Host (tenants never share a value)", async () => {
      await expectOneEntryPerHost(`${url}${path}`, [`${runtime}-alpha`, `${runtime}-beta`], origin);
    });
  });
});

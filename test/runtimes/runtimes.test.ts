import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { buildSync } from "esbuild";
import { afterAll, beforeAll, describe, it } from "vitest";
import { type Origin, startOrigin } from "./origin.js";
import { ci, freePort, type Started, startProcess } from "./process.js";
import { expectMissThenFresh, expectOneFetchForColdBurst } from "./scenarios.js";

// Bun, Deno and workerd come from the npm registry, each package with its binary inside:
// `npm ci --prefix test/runtimes/toolchain` (.ci/run does it). Each serves smoke-server.js, which runs the
// built package's Hono and isr-plug/web adapters against this test's origin.
const here = import.meta.dirname;
const root = resolve(here, "../..");
const bin = (name: string) => join(here, "toolchain/node_modules/.bin", name);
const READY = /smoke server on (http:\/\/127\.0\.0\.1:\d+)/;

interface Runtime {
  name: string;
  /** Starts the smoke server on this runtime; resolves with its URL once it listens. */
  start(origin: Origin): Promise<Started & { url: string }>;
}

async function startBun(origin: Origin) {
  const started = await startProcess(bin("bun"), ["smoke-server.js"], {
    cwd: here,
    env: { SETTINGS_ORIGIN: origin.url },
    ready: READY,
  });
  return { ...started, url: started.match[1] ?? "" };
}

async function startDeno(origin: Origin) {
  const permissions = ["--allow-net=127.0.0.1", "--allow-env=SETTINGS_ORIGIN", `--allow-read=${root}`];
  const started = await startProcess(bin("deno"), ["run", "--no-lock", ...permissions, "smoke-server.js"], {
    cwd: here,
    env: { SETTINGS_ORIGIN: origin.url, DENO_NO_UPDATE_CHECK: "1" },
    ready: READY,
  });
  return { ...started, url: started.match[1] ?? "" };
}

/** workerd runs one bundled module; the origin is a text binding, loopback opened to its fetch. */
async function startWorkerd(origin: Origin) {
  const dir = mkdtempSync(join(tmpdir(), "isr-plug-workerd-"));
  buildSync({
    entryPoints: [join(here, "smoke-worker.js")],
    bundle: true,
    format: "esm",
    platform: "browser",
    conditions: ["workerd", "worker"],
    outfile: join(dir, "worker.js"),
    logLevel: "error",
  });
  const port = await freePort();
  writeFileSync(
    join(dir, "config.capnp"),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .smoke),
    (name = "internet", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const smoke :Workerd.Worker = (
  modules = [(name = "worker", esModule = embed "worker.js")],
  bindings = [(name = "SETTINGS_ORIGIN", text = "${origin.url}")],
  compatibilityDate = "2025-01-01",
);
`,
  );
  const started = await startProcess(bin("workerd"), ["serve", join(dir, "config.capnp"), "--verbose"], {
    cwd: dir,
    // workerd prints nothing once it listens: it is ready when its port answers.
    ready: /^/,
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForPort(url, started);
  return {
    ...started,
    url,
    stop: async () => {
      await started.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitForPort(url: string, started: Started): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await fetch(`${url}/ready`);
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`workerd did not listen on ${url}:\n${started.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

const runtimes: Runtime[] = [
  { name: "bun", start: startBun },
  { name: "deno", start: startDeno },
  { name: "workerd", start: startWorkerd },
];

for (const runtime of runtimes) {
  const present = existsSync(bin(runtime.name));
  if (!present && !ci) {
    console.warn(
      `[isr-plug tests] skipping the ${runtime.name} smoke test: ${runtime.name} is not installed (npm ci --prefix test/runtimes/toolchain)`,
    );
  }
  // Locally a missing runtime skips, visibly; under CI=true it fails, never a silent skip.
  describe.skipIf(!present && !ci)(`on ${runtime.name}`, () => {
    let origin: Origin;
    let server: (Started & { url: string }) | undefined;

    beforeAll(async () => {
      origin = await startOrigin();
      if (present) server = await runtime.start(origin);
    }, 120_000);

    afterAll(async () => {
      await server?.stop();
      await origin?.close();
    });

    describe.each(["web", "hono"])("the %s adapter", (adapter) => {
      const url = () => {
        if (server === undefined) {
          throw new Error(
            `CI needs ${runtime.name} at ${bin(runtime.name)}: npm ci --prefix test/runtimes/toolchain`,
          );
        }
        return `${server.url}/${adapter}/settings`;
      };

      it("answers a miss, then serves the value fresh", async () => {
        await expectMissThenFresh(url(), `${runtime.name}-${adapter}-acme`, origin);
      });

      it("fetches once for 20 concurrent cold requests", async () => {
        await expectOneFetchForColdBurst(url(), `${runtime.name}-${adapter}-burst`, origin, 20);
      });
    });
  });
}

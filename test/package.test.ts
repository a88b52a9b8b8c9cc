import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { isBuiltin } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The built package, loaded by its own name (self-reference through "exports"), from ESM and CJS.
const root = new URL("..", import.meta.url).pathname;
const run = (args: string[]) => execFileSync(process.execPath, args, { cwd: root, encoding: "utf8" }).trim();

describe("built package", () => {
  it("is built (npm test builds first)", () => {
    expect(existsSync(`${root}dist/index.js`)).toBe(true);
  });

  it.each([
    "isr-plug",
    "isr-plug/express",
    "isr-plug/fastify",
    "isr-plug/koa",
    "isr-plug/hono",
    "isr-plug/web",
    "isr-plug/redis",
    "isr-plug/inspector",
    "isr-plug/testing",
    "isr-plug/webhook",
  ])("%s loads from ESM and CJS with the same exports", (specifier) => {
    const esm = run([
      "--input-type=module",
      "-e",
      `import * as m from "${specifier}"; console.log(Object.keys(m).sort().join())`,
    ]);
    const cjs = run(["-e", `console.log(Object.keys(require("${specifier}")).sort().join())`]);
    expect(esm.length).toBeGreaterThan(0);
    expect(cjs.split(",").filter((k) => k !== "__esModule")).toEqual(esm.split(","));
  });

  it("ESM and CJS builds share the one default memory store: a named namespace is shared, an unnamed one never", () => {
    const out = run([
      "--input-type=module",
      "-e",
      `import { createRequire } from "node:module";
       import { createIsr } from "isr-plug";
       const cjs = createRequire(import.meta.url)("isr-plug");
       const a = createIsr({ fetch: () => "from esm", namespace: "settings" });
       const b = cjs.createIsr({ fetch: () => "from cjs", namespace: "settings" });
       const c = createIsr({ fetch: () => "esm alone" });
       const d = cjs.createIsr({ fetch: () => "cjs alone" });
       await a.get("k");
       const shared = await b.get("k");
       await c.get("k");
       const alone = await d.get("k");
       console.log(a.store === d.store, shared.value, shared.state, alone.value, alone.state, c.namespace !== d.namespace);`,
    ]);
    expect(out).toBe("true from esm fresh cjs alone miss true");
  });

  it("isr-plug/hono, isr-plug/web and isr-plug/inspector import nothing Node-only (they run on Bun, Deno and workers)", () => {
    // How many modules each entry is known to import at least: the scan must have found them.
    const known: [string, number][] = [
      ["hono.js", 2],
      ["web.js", 2],
      ["inspector.js", 1],
    ];
    for (const [entry, least] of known) {
      const imported = importsOf(entry);
      expect(imported.size).toBeGreaterThanOrEqual(least);
      expect([...imported].filter((specifier) => isBuiltin(specifier))).toEqual([]);
    }
  });

  it("isr-plug/testing imports no test runner and no built-in but node:assert/strict, from ESM and CJS", () => {
    const { dependencies } = JSON.parse(readFileSync(`${root}package.json`, "utf8")) as {
      dependencies: Record<string, string>;
    };
    for (const entry of ["testing.js", "testing.cjs"]) {
      const imported = [...importsOf(entry)];
      const chunks = imported.filter((specifier) => /^chunk-.+\.c?js$/.test(specifier));
      const packages = imported.filter((specifier) => !chunks.includes(specifier) && !isBuiltin(specifier));
      // It reaches the engine through the build's shared chunks.
      expect(chunks.length).toBeGreaterThan(0);
      expect(imported.filter((specifier) => isBuiltin(specifier))).toEqual(["node:assert/strict"]);
      // Only what the package itself depends on: no vitest, no other runner.
      expect(packages.filter((name) => !(name in dependencies))).toEqual([]);
    }
  });
});

/**
 * Issue 12: a user with today's latest Redis client installs isr-plug beside it, with no flags.
 * From the packed tarball, in a fresh folder, through the npm registry (network needed).
 */
describe("installed from the packed tarball", () => {
  // npm's own variables left out: `npm test` sets them, and they would leak into the installs.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));
  const npm = (args: string[], cwd: string) => execFileSync("npm", args, { cwd, env, encoding: "utf8" });
  let folder = "";
  let tarball = "";

  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), "isr-plug-install-"));
    const [packed] = JSON.parse(
      npm(["pack", "--json", "--ignore-scripts", "--pack-destination", folder], root),
    ) as [{ filename: string }];
    tarball = join(folder, packed.filename);
  });
  afterAll(() => {
    if (folder !== "") rmSync(folder, { recursive: true, force: true });
  });

  it.each(["ioredis", "redis"])(
    "npm install isr-plug %s@latest succeeds with no flags, and npm ls is clean",
    (client) => {
      const app = join(folder, client);
      mkdirSync(app);
      npm(["init", "-y"], app);
      // Throws (and fails the test) on ERESOLVE or any other error.
      npm(["install", "--no-audit", "--no-fund", tarball, `${client}@latest`], app);
      npm(["ls", "--all"], app);
      const installed = JSON.parse(
        readFileSync(join(app, "node_modules", client, "package.json"), "utf8"),
      ) as {
        version: string;
      };
      const latest = npm(["view", client, "version"], app).trim();
      expect(installed.version).toBe(latest);
      const loaded = execFileSync(
        process.execPath,
        [
          "--input-type=module",
          "-e",
          'import("isr-plug/redis").then((m) => console.log(typeof m.createRedisStore))',
        ],
        { cwd: app, encoding: "utf8" },
      );
      expect(loaded.trim()).toBe("function");
    },
    180_000,
  );
});

/** Every module an entry of the build imports, directly or through its chunks (chunks by file name). */
function importsOf(entry: string): Set<string> {
  const imported = new Set<string>();
  const queue = [entry];
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    const code = readFileSync(`${root}dist/${file}`, "utf8");
    // Static imports and re-exports, literal dynamic imports, and CJS requires.
    for (const [, specifier] of code.matchAll(/(?:\bfrom|\bimport|\brequire)\s*\(?\s*["']([^"']+)["']/g)) {
      if (specifier === undefined) continue;
      if (specifier.startsWith("./")) {
        const chunk = specifier.slice(2);
        if (!imported.has(chunk)) queue.push(chunk);
      }
      imported.add(specifier.startsWith("./") ? specifier.slice(2) : specifier);
    }
  }
  return imported;
}

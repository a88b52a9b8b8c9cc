import { existsSync, mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDemoApp } from "../demo/app.js";
import { listen } from "./helpers.js";

/** Debian's chromium package; no browser is downloaded. */
const CHROMIUM = "/usr/bin/chromium";
const ci = !["", "0", "false"].includes(process.env.CI ?? "");
const present = existsSync(CHROMIUM);
const screenshot = resolve(import.meta.dirname, "../test-results/demo.png");
const TOKEN = "demo-browser-test-token-0123456789";
/** expect.poll gives up after 1 s by default: too short on a loaded 2-core machine. */
const WAIT = { timeout: 15_000, interval: 50 };

if (!present && !ci)
  console.warn(`[isr-plug tests] skipping the demo's browser test: no Chromium at ${CHROMIUM}`);

// Locally a machine without Chromium skips, visibly; in CI a missing browser is a failure.
// A real browser on a 2-core machine shared with the rest of the suite: a minute per test.
describe.skipIf(!present && !ci)("the demo page in headless Chromium", { timeout: 60_000 }, () => {
  let browser: Browser;
  const closers: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    if (!present) return; // the test itself fails, so CI reports a failure rather than a skip
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    closers.push(() => browser.close());
  });

  afterAll(async () => {
    for (const close of closers.reverse()) await close();
  });

  it("lists each request with its response time, marks the refresh that changed the version, links the inspector", async () => {
    if (!present) throw new Error(`CI needs Chromium at ${CHROMIUM}: apt-get install -y chromium`);
    const silent = { debug() {}, info() {}, warn() {}, error() {} };
    // Short real TTLs: the page must show fresh, stale and the refresh by itself, polling.
    const { app, settings } = createDemoApp({
      latencyMs: 200,
      ttlMs: 1_500,
      staleTtlMs: 60_000,
      pollMs: 400,
      inspectorToken: TOKEN,
      logger: silent,
    });
    const server = await listen((port, host, ready) => app.listen(port, host, ready));
    closers.push(() => settings.isr.close());
    closers.push(server.close);

    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    closers.push(() => context.close());
    context.setDefaultTimeout(15_000);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    page.on("console", (message) => {
      // The inspector's sign-in page (before the #token= link signs in) is a 401 on purpose;
      // Chromium reports every 401 document as a failed load.
      if (message.type() === "error" && !message.text().includes("status of 401")) {
        problems.push(`console: ${message.text()}`);
      }
    });

    await page.goto(`${server.url}/`);
    const rows = page.locator("#requests tr");
    // The page load was a miss: it waited for the source.
    const load = rows.filter({ hasText: "page load" });
    await load.waitFor();
    expect(await load.getAttribute("data-state")).toBe("miss");
    await page.locator('#requests tr[data-state="fresh"]').first().waitFor();
    // Past the TTL the old version is served at once while one refresh runs...
    const stale = page.locator('#requests tr[data-state="stale"]').first();
    await stale.waitFor();
    expect(await stale.locator(".version").textContent()).toBe("v1");
    // ...and the answer after it lands carries the new version, marked as the refresh.
    const refreshed = page.locator("#requests tr.refreshed").first();
    await refreshed.waitFor();
    await expect.poll(() => refreshed.locator(".note").textContent(), WAIT).toBe("refreshed: v1 → v2");
    await expect.poll(() => page.locator("#state").textContent(), WAIT).toMatch(/^(fresh|stale)$/);
    for (const time of await page.locator("#requests td.ms").allTextContents())
      expect(time).toMatch(/^\d+ ms$/);

    mkdirSync(resolve(screenshot, ".."), { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });

    // The inspector is one click away for a viewer on this machine.
    const inspector = page.locator("a#inspector");
    expect(await inspector.getAttribute("href")).toBe(`/isr-inspector#token=${TOKEN}`);
    await inspector.click();
    await page.locator('section[data-name="demo-settings"]').waitFor();
    expect(problems).toEqual([]);
  });
});

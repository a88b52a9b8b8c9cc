import { existsSync, mkdirSync } from "node:fs";
import { createServer } from "node:http";
import { resolve } from "node:path";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIsr, createMemoryStore } from "../../src/index.js";
import { createInspector } from "../../src/inspector.js";
import { deferred, listen, recordingLogger } from "../helpers.js";
import { TOKEN } from "./fixtures.js";

/** Debian's chromium package; no browser is downloaded. */
const CHROMIUM = "/usr/bin/chromium";
const ci = !["", "0", "false"].includes(process.env.CI ?? "");
const present = existsSync(CHROMIUM);
const screenshot = resolve(import.meta.dirname, "../../test-results/inspector.png");
/** expect.poll gives up after 1 s by default: too short on a loaded 2-core machine. */
const WAIT = { timeout: 15_000, interval: 50 };
const XSS_KEY = '<img src=x onerror="window.__xss = 1">';

// Locally a machine without Chromium skips; in CI a missing browser is a failure, never a skip.
describe.skipIf(!present && !ci)("the inspector page in headless Chromium", () => {
  let browser: Browser;
  const closers: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    if (!present) return; // the test itself fails, so CI reports a failure rather than a skip
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // Playwright gives each launch a fresh profile directory; these keep Chromium off the
      // network, which is closed here.
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

  it("shows entries ageing from fresh to stale, revalidates one and shows its new value", async () => {
    if (!present) throw new Error(`CI needs Chromium at ${CHROMIUM}: apt-get install -y chromium`);
    const calls = new Map<string, number>();
    const slow = deferred<string>();
    const settings = createIsr<{ secret: string }, string>({
      namespace: "settings",
      // Short real TTLs: the page must show the state change by itself, polling.
      ttlMs: 2_000,
      staleTtlMs: 60_000,
      store: createMemoryStore(),
      logger: recordingLogger(),
      fetch: (tenant) => {
        const call = (calls.get(tenant) ?? 0) + 1;
        calls.set(tenant, call);
        if (tenant === "down") throw new Error("origin answered 503 Service Unavailable");
        return { secret: `${tenant} #${call}` };
      },
    });
    const pages = createIsr<string, string>({
      namespace: "pages",
      ttlMs: 60_000,
      store: createMemoryStore(),
      tags: (_html, path) => ["page", path],
      fetch: (path) => (path === "/slow" ? slow.promise : `<h1>${path}</h1>`),
    });
    await settings.get("globex", "globex");
    await settings.get(XSS_KEY, "initech");
    await expect(settings.get("down", "down")).rejects.toThrow("503");
    await pages.get(["page", "/"], "/");
    await pages.get(["page", "/pricing"], "/pricing");
    const slowRequest = pages.get(["page", "/slow"], "/slow");

    const inspector = createInspector({
      engines: [settings, pages],
      token: TOKEN,
      showValues: true,
      pollMs: 200,
    });
    const server = await listen((port, host, ready) =>
      createServer((req, res) => void inspector.node(req, res)).listen(port, host, ready),
    );
    closers.push(server.close);

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    closers.push(() => context.close());
    // Below the test's own timeout, so a wait that fails says which element it waited for.
    context.setDefaultTimeout(15_000);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    // CSP violations and failed requests are reported as console errors.
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(`console: ${message.text()}`);
    });
    const requested: string[] = [];
    page.on("request", (request) => requested.push(request.url()));

    await page.goto(`${server.url}/isr-inspector?token=${TOKEN}`);
    await page.locator('tr[data-key="globex"]').waitFor();
    // The token leaves the address bar; the page's own requests carry it in a header only.
    expect(page.url()).toBe(`${server.url}/isr-inspector`);

    // A key fetched while the page is open (not before: loading the page under load may take
    // longer than its TTL) appears fresh, and as time passes the page shows it go stale.
    await settings.get("acme", "acme");
    for (let i = 0; i < 3; i++) await settings.get("acme", "acme");
    const acme = page.locator('tr[data-key="acme"]');
    await acme.locator(".state.fresh").waitFor();
    await expect.poll(() => acme.locator("code.value").textContent(), WAIT).toBe('{"secret":"acme #1"}');
    await acme.locator(".state.stale").waitFor();
    await page.locator('tr[data-key="globex"] .state.stale').waitFor();

    await acme.getByRole("button", { name: "Revalidate" }).click();
    await expect.poll(() => acme.locator("code.value").textContent(), WAIT).toBe('{"secret":"acme #2"}');
    await expect.poll(() => page.locator("#notice").textContent(), WAIT).toBe("Revalidated acme.");

    // Invalidate drops the entry.
    const pricing = page.locator('section[data-name="pages"] tr[data-key=\'["page","/pricing"]\']');
    await pricing.getByRole("button", { name: "Invalidate" }).click();
    // The key stays listed, now missing, so it can be revalidated from the page.
    await page
      .locator(`section[data-name="pages"] tr[data-state="missing"][data-key='["page","/pricing"]']`)
      .waitFor();
    expect((await pages.get(["page", "/pricing"], "/pricing")).state).toBe("miss");

    // A key is data: shown as text, never run.
    const hostile = page.locator("td.key code", { hasText: XSS_KEY });
    await hostile.waitFor();
    expect(await page.locator("main img").count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as { __xss?: number }).__xss)).toBeUndefined();

    await expect
      .poll(() => page.locator('tr[data-key="down"] .error').textContent(), WAIT)
      .toBe("origin answered 503 Service Unavailable");
    await page.locator('tr[data-key="down"] .state.missing').waitFor();

    // The filter hides rows whose key does not match, at once.
    await page.getByLabel("Filter keys").fill("glob");
    await acme.waitFor({ state: "hidden" });
    await page.locator('tr[data-key="globex"]').waitFor({ state: "visible" });
    await page.getByLabel("Filter keys").fill("");
    await acme.waitFor({ state: "visible" });

    // A fetch still running shows as in flight.
    await page.locator('tr[data-key=\'["page","/slow"]\'] .fetching').waitFor();

    mkdirSync(resolve(screenshot, ".."), { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });
    expect(existsSync(screenshot)).toBe(true);
    slow.resolve("<h1>/slow</h1>");
    await slowRequest;
    expect(problems).toEqual([]);
    expect(requested.filter((url) => url.includes("token="))).toEqual([
      `${server.url}/isr-inspector?token=${TOKEN}`,
    ]);
  });
});

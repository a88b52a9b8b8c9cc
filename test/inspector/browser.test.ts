import { existsSync } from "node:fs";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIsr, createMemoryStore, type Isr, type Store } from "../../src/index.js";
import { SESSION_COOKIE } from "../../src/inspector/session.js";
import { createInspector } from "../../src/inspector.js";
import { deferred, recordingLogger } from "../helpers.js";
import { hasRedisServer, startRedis } from "../redis/redis-server.js";
import { storeFactory } from "../redis/stores.js";
import {
  CHROMIUM,
  chromiumPresent,
  ci,
  launchChromium,
  openPage,
  screenshot,
  serveInspector,
  WAIT,
} from "./browser-harness.js";
import { TOKEN } from "./fixtures.js";

const XSS_KEY = '<img src=x onerror="window.__xss = 1">';

type Settings = { secret: string };

/** Per-tenant settings tagged by tenant, fresh for 2 s (real time: the page must see them age). */
function settingsEngine(options: { store?: Store } = {}) {
  const calls = new Map<string, number>();
  return createIsr<Settings, string>({
    namespace: "settings",
    ttlMs: 2_000,
    staleTtlMs: 60_000,
    staleIfErrorMs: 30_000,
    store: options.store ?? createMemoryStore(),
    logger: recordingLogger(),
    tags: (_value, tenant) => ["settings", `tenant:${tenant}`],
    fetch: (tenant) => {
      const call = (calls.get(tenant) ?? 0) + 1;
      calls.set(tenant, call);
      if (tenant === "down") throw new Error("origin answered 503 Service Unavailable");
      return { secret: `${tenant} #${call}` };
    },
  });
}

// Locally a machine without Chromium skips; in CI a missing browser is a failure, never a skip.
// A real browser on a 2-core machine shared with the rest of the suite: a minute per test.
describe.skipIf(!chromiumPresent && !ci)(
  "the inspector page in headless Chromium",
  { timeout: 60_000 },
  () => {
    let browser: Browser;
    const closers: (() => Promise<unknown>)[] = [];

    beforeAll(async () => {
      if (!chromiumPresent) return; // each test fails, so CI reports a failure rather than a skip
      browser = await launchChromium();
      closers.push(() => browser.close());
    });

    afterAll(async () => {
      for (const close of closers.reverse()) await close();
    });

    const needChromium = () => {
      if (!chromiumPresent) throw new Error(`CI needs Chromium at ${CHROMIUM}: apt-get install -y chromium`);
    };

    it("signs in by a #token= link or the form, never with the token in a URL the server sees; reload keeps working; ?token= grants nothing; polling stops at a 401", async () => {
      needChromium();
      const settings = settingsEngine();
      await settings.get("acme", "acme");
      const inspector = createInspector({ engines: [settings], token: TOKEN, pollMs: 200 });
      const server = await serveInspector(inspector);
      closers.push(server.close);
      const { page, context, problems, requested } = await openPage(browser, 1360);
      closers.push(() => context.close());
      const base = `${server.url}/isr-inspector`;
      const row = page.locator('tr[data-key="acme"]');

      // An old link with ?token=: the sign-in form, a word on why, the token wiped, no data.
      await page.goto(`${base}?token=${TOKEN}`);
      await page.locator("#sign-in-form").waitFor();
      expect(page.url()).toBe(base);
      await expect.poll(() => page.locator("#problem").textContent(), WAIT).toContain("is not accepted");
      expect(await page.locator("#namespaces").count()).toBe(0);

      await page.getByLabel("Token").fill("wrong-token-0123456789abcdef");
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect.poll(() => page.locator("#problem").textContent(), WAIT).toBe("Wrong token.");
      await page.getByLabel("Token").fill(TOKEN);
      await page.getByRole("button", { name: "Sign in" }).click();
      await row.waitFor();

      // The session is an HttpOnly, SameSite=Strict cookie the page's scripts cannot read.
      const [cookie] = (await context.cookies()).filter((c) => c.name === SESSION_COOKIE);
      expect(cookie).toMatchObject({
        httpOnly: true,
        sameSite: "Strict",
        path: "/isr-inspector",
        secure: false,
      });
      expect(cookie?.value).not.toContain(TOKEN);
      expect(await page.evaluate<string>("document.cookie")).not.toContain(SESSION_COOKIE);
      await page.reload();
      await row.waitFor();

      await page.getByRole("button", { name: "Sign out" }).click();
      await page.locator("#sign-in-form").waitFor();

      // A link printed by a server carries the token in its fragment, which browsers never send.
      await page.goto(`${base}#token=${TOKEN}`);
      await row.waitFor();
      expect(page.url()).toBe(base);

      // The session ends (cookie gone): the next poll is a 401; the page says so and stops polling.
      await context.clearCookies();
      await page.getByRole("button", { name: "Sign in again" }).waitFor();
      await expect.poll(() => page.locator("#status").textContent(), WAIT).toContain("Signed out");
      const polls = requested.filter((url) => url.endsWith("/isr-inspector/api")).length;
      await page.waitForTimeout(5 * 200); // five poll periods: not one more request
      expect(requested.filter((url) => url.endsWith("/isr-inspector/api")).length).toBe(polls);

      // The token reached no URL but the old link opened on purpose above.
      expect(requested.filter((url) => url.includes(TOKEN))).toEqual([`${base}?token=${TOKEN}`]);
      expect(problems).toEqual([]);
    });

    it("shows rates, histograms and entries ageing; filters and sorts by state; invalidates by tag and key after a confirmation; revalidates; fits 1360 and 700 px", async () => {
      needChromium();
      const settings = settingsEngine();
      const slow = deferred<string>();
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
      const server = await serveInspector(inspector);
      closers.push(server.close);
      const { page, context, problems, requested } = await openPage(browser, 1360);
      closers.push(() => context.close());
      await page.goto(`${server.url}/isr-inspector#token=${TOKEN}`);
      await page.locator('tr[data-key="globex"]').waitFor();

      // A key fetched while the page is open appears fresh, and the page shows it go stale.
      await settings.get("acme", "acme");
      for (let i = 0; i < 3; i++) await settings.get("acme", "acme");
      const acme = page.locator('tr[data-key="acme"]');
      await acme.locator(".state.fresh").waitFor();
      await expect.poll(() => acme.locator("code.value").textContent(), WAIT).toBe('{"secret":"acme #1"}');
      await acme.locator(".state.stale").waitFor();
      // A stale serve, whose background refresh stores acme #2.
      expect(await settings.get("acme", "acme")).toMatchObject({ state: "stale" });
      await expect.poll(() => acme.locator("code.value").textContent(), WAIT).toBe('{"secret":"acme #2"}');

      // Rates over the last minute, and the histograms stats() keeps, as the engine counts them.
      const ns = page.locator('section[data-name="settings"]');
      const hits = ns.locator('tr[data-window="60000"] td[data-rate="hits"]');
      await expect.poll(async () => Number(await hits.textContent()), WAIT).toBeGreaterThan(0);
      await expect
        .poll(
          async () =>
            Number(await ns.locator('tr[data-window="60000"] td[data-rate="staleServes"]').textContent()),
          WAIT,
        )
        .toBeGreaterThan(0);
      const histogramTotal = async () => {
        const counts = await ns.locator(".panel").nth(1).locator(".hist .count").allTextContents();
        return counts.reduce((sum, count) => sum + Number(count), 0);
      };
      await expect.poll(histogramTotal, WAIT).toBe(settings.stats().ageMs.count);
      expect(await ns.locator(".panel").nth(2).locator(".hist .count").count()).toBe(8);

      await acme.getByRole("button", { name: "Revalidate" }).click();
      await expect.poll(() => acme.locator("code.value").textContent(), WAIT).toBe('{"secret":"acme #3"}');
      await expect.poll(() => page.locator("#notice").textContent(), WAIT).toBe("Revalidated acme.");

      // Invalidating a tag asks first; Cancel changes nothing, then a soft invalidation.
      const globexTag = page.locator('tr[data-key="globex"] button.tag[data-tag="tenant:globex"]');
      await globexTag.click();
      const dialog = page.locator("dialog#confirm");
      await expect
        .poll(() => dialog.locator("#confirm-text").textContent(), WAIT)
        .toBe("Invalidate every entry tagged tenant:globex in settings?");
      await dialog.getByRole("button", { name: "Cancel" }).click();
      await dialog.waitFor({ state: "hidden" });
      expect(settings.stats().invalidatedTags).toBe(0);
      await globexTag.click();
      await dialog.getByLabel(/soft/).check();
      await dialog.getByRole("button", { name: "Invalidate", exact: true }).click();
      await expect
        .poll(() => page.locator("#notice").textContent(), WAIT)
        .toBe("Invalidated tag tenant:globex (soft).");
      expect(settings.stats().invalidatedTags).toBe(1);

      // Invalidating a key asks first too; the key stays listed, missing, so it can be revalidated.
      const pricing = page.locator(`section[data-name="pages"] tr[data-key='["page","/pricing"]']`);
      await pricing.getByRole("button", { name: "Invalidate", exact: true }).click();
      await dialog.getByRole("button", { name: "Invalidate", exact: true }).click();
      await page
        .locator(`section[data-name="pages"] tr[data-state="missing"][data-key='["page","/pricing"]']`)
        .waitFor();
      expect((await pages.get(["page", "/pricing"], "/pricing")).state).toBe("miss");

      // A key is data: shown as text, never run.
      await page.locator("td.key code", { hasText: XSS_KEY }).waitFor();
      expect(await page.locator("main img").count()).toBe(0);
      expect(await page.evaluate(() => (globalThis as { __xss?: number }).__xss)).toBeUndefined();
      await expect
        .poll(() => page.locator('tr[data-key="down"] .error').textContent(), WAIT)
        .toBe("origin answered 503 Service Unavailable");

      // Filter by key text and by state; sort by state.
      await page.getByLabel("Filter keys").fill("glob");
      await acme.waitFor({ state: "hidden" });
      await page.getByLabel("Filter keys").fill("");
      await page.getByLabel("State", { exact: true }).selectOption("missing");
      await acme.waitFor({ state: "hidden" });
      const visibleKeys = () =>
        ns
          .locator("table.entries tbody tr:visible")
          .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-key")));
      await expect.poll(visibleKeys, WAIT).toEqual(["down"]);
      await page.getByLabel("State", { exact: true }).selectOption("fetching");
      await page.locator(`tr[data-key='["page","/slow"]'] .fetching`).waitFor();
      await page.getByLabel("State", { exact: true }).selectOption("");
      await page.getByLabel("Sort by", { exact: true }).selectOption("state");
      await expect
        .poll(
          async () =>
            (
              await ns
                .locator("table.entries tbody tr")
                .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-state")))
            ).at(-1),
          WAIT,
        )
        .toBe("missing");
      await page.getByLabel("Sort by", { exact: true }).selectOption("key");

      // 1360 px: the key column keeps room for a key.
      expect((await acme.locator("td.key").boundingBox())?.width).toBeGreaterThan(220);
      expect(existsSync(await screenshot(page, "isr-inspector-1360"))).toBe(true);

      // 700 px: each entry is a card whose key has the full width.
      const narrow = await openPage(browser, 700);
      closers.push(() => narrow.context.close());
      await narrow.page.goto(`${server.url}/isr-inspector#token=${TOKEN}`);
      const narrowKey = narrow.page.locator('tr[data-key="acme"] td.key');
      await narrowKey.waitFor();
      expect((await narrowKey.boundingBox())?.width).toBeGreaterThan(0.85 * 700);
      const rates = narrow.page.locator('section[data-name="settings"] .rates-panel');
      expect((await rates.boundingBox())?.width).toBeLessThanOrEqual(700);
      expect(await narrow.page.evaluate<number>("document.documentElement.scrollWidth")).toBeLessThanOrEqual(
        700,
      );
      expect(existsSync(await screenshot(narrow.page, "isr-inspector-700"))).toBe(true);

      slow.resolve("<h1>/slow</h1>");
      await slowRequest;
      expect([...problems, ...narrow.problems]).toEqual([]);
      expect([...requested, ...narrow.requested].filter((url) => url.includes(TOKEN))).toEqual([]);
    });

    it("shows the fleet view: entries in Redis from every process, this one's marked", async () => {
      needChromium();
      if (!hasRedisServer) {
        if (ci) throw new Error("redis-server is required under CI=true (apt-get install -y redis-server)");
        console.warn("[skipped] the fleet view in the browser needs redis-server");
        return;
      }
      const redis = await startRedis();
      closers.push(() => redis.stop());
      const stores = storeFactory();
      closers.push(() => stores.closeAll());
      const prefix = stores.prefix();
      const other = await stores.open(redis, { prefix });
      const here = await stores.open(redis, { prefix });
      const theirs: Isr<Settings, string> = settingsEngine({ store: other.store });
      const ours = settingsEngine({ store: here.store });
      await theirs.get("hooli", "hooli");
      await theirs.get("pied-piper", "pied-piper");
      await ours.get("acme", "acme");
      const inspector = createInspector({ engines: [ours], token: TOKEN, pollMs: 200 });
      const server = await serveInspector(inspector);
      closers.push(server.close);
      const { page, context, problems } = await openPage(browser, 1360);
      closers.push(() => context.close());
      await page.goto(`${server.url}/isr-inspector#token=${TOKEN}`);
      await page.locator('tr[data-key="acme"]').waitFor();
      expect(await page.locator('tr[data-key="hooli"]').count()).toBe(0);

      await page.getByRole("tab", { name: "Fleet (shared store)" }).click();
      const fleet = page.locator(".view.fleet");
      await fleet.locator('tr[data-key="hooli"]').waitFor();
      const keys = await fleet
        .locator("tbody tr")
        .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-key")));
      expect(keys).toEqual(["acme", "hooli", "pied-piper"]);
      await fleet.locator('tr[data-key="acme"] .badge', { hasText: "this process" }).waitFor();
      expect(await fleet.locator('tr[data-key="hooli"] .badge').count()).toBe(0);
      await expect
        .poll(() => fleet.locator("p").first().textContent(), WAIT)
        .toContain("3 entries of this namespace");
      expect(existsSync(await screenshot(page, "isr-inspector-fleet-1360"))).toBe(true);
      await page.getByRole("tab", { name: "This process" }).click();
      await fleet.waitFor({ state: "hidden" });
      expect(problems).toEqual([]);
    });
  },
);

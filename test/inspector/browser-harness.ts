import { existsSync, mkdirSync } from "node:fs";
import { createServer } from "node:http";
import { resolve } from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import type { Inspector } from "../../src/inspector.js";
import { listen } from "../helpers.js";

/** Debian's chromium package; no browser is downloaded. */
export const CHROMIUM = "/usr/bin/chromium";
export const ci = !["", "0", "false"].includes(process.env.CI ?? "");
export const chromiumPresent = existsSync(CHROMIUM);
/** expect.poll gives up after 1 s by default: too short on a loaded 2-core machine. */
export const WAIT = { timeout: 15_000, interval: 50 };

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
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
}

/** Serves the inspector over real HTTP on 127.0.0.1. */
export function serveInspector(inspector: Inspector) {
  return listen((port, host, ready) =>
    createServer((req, res) => void inspector.node(req, res)).listen(port, host, ready),
  );
}

export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  /** Page errors and console errors (CSP violations and failed loads are reported there). */
  problems: string[];
  /** Every URL the page requested. */
  requested: string[];
}

export async function openPage(browser: Browser, width: number, height = 900): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport: { width, height } });
  // Below the test's own timeout, so a wait that fails says which element it waited for.
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  const problems: string[] = [];
  const requested: string[] = [];
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    // The sign-in page is a 401 on purpose; Chromium reports every 401 document as a failed load.
    if (message.type() === "error" && !message.text().includes("status of 401")) {
      problems.push(`console: ${message.text()}`);
    }
  });
  page.on("request", (request) => requested.push(request.url()));
  return { page, context, problems, requested };
}

/** Saves a full-page screenshot under test-results/ (and /tmp, to look at it). */
export async function screenshot(page: Page, name: string): Promise<string> {
  const dir = resolve(import.meta.dirname, "../../test-results");
  mkdirSync(dir, { recursive: true });
  const path = resolve(dir, `${name}.png`);
  // The header is sticky: scrolled down, a full-page shot would show it mid-page.
  await page.evaluate("window.scrollTo(0, 0)");
  await page.screenshot({ path, fullPage: true });
  await page.screenshot({ path: `/tmp/${name}.png`, fullPage: true });
  return path;
}

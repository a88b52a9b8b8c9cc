import { expect } from "vitest";
import { httpGet } from "../helpers.js";
import type { Origin, OriginSettings } from "./origin.js";

/** What every app under test answers: where it ran, and the tenant's settings. */
export interface SettingsAnswer {
  state: string | undefined;
  runtime: string;
  settings: OriginSettings;
}

/** GETs `url` as the tenant's host (`<tenant>.example.test`): tenants come from the Host header. */
export async function getAs(tenant: string, url: string): Promise<SettingsAnswer> {
  const response = await httpGet(url, { host: `${tenant}.example.test` });
  if (response.status !== 200)
    throw new Error(`GET ${url} as ${tenant}: ${response.status} ${response.body}`);
  const body = JSON.parse(response.body) as { runtime: string; settings: OriginSettings };
  const state = response.headers["x-isr-state"];
  return { state: typeof state === "string" ? state : undefined, ...body };
}

/** The first request waits for the origin (miss); the next one is served from the cache (fresh). */
export async function expectMissThenFresh(url: string, tenant: string, origin: Origin): Promise<void> {
  const first = await getAs(tenant, url);
  expect(first).toMatchObject({ state: "miss", settings: { tenant, version: 1 } });
  const second = await getAs(tenant, url);
  expect(second).toMatchObject({ state: "fresh", settings: { tenant, version: 1 } });
  expect(origin.fetchesOf(tenant)).toBe(1);
}

/** Concurrent requests for a key nobody has fetched yet share one origin fetch. */
export async function expectOneFetchForColdBurst(
  url: string,
  tenant: string,
  origin: Origin,
  requests = 20,
): Promise<void> {
  const answers = await Promise.all(Array.from({ length: requests }, () => getAs(tenant, url)));
  expect(origin.fetchesOf(tenant)).toBe(1);
  expect(answers.map((answer) => answer.settings.version)).toEqual(answers.map(() => 1));
  expect(answers.some((answer) => answer.state === "miss")).toBe(true);
}

/** Two hosts are two tenants: two entries, two fetches, neither served the other's value. */
export async function expectOneEntryPerHost(url: string, tenants: [string, string], origin: Origin) {
  for (const tenant of tenants) {
    expect(await getAs(tenant, url)).toMatchObject({ state: "miss", settings: { tenant } });
  }
  for (const tenant of tenants) {
    expect(await getAs(tenant, url)).toMatchObject({ state: "fresh", settings: { tenant } });
    expect(origin.fetchesOf(tenant)).toBe(1);
  }
}

/** Asks until `done` holds for an answer (real time: an app in another process has its own clock). */
export async function pollUntil(
  ask: () => Promise<SettingsAnswer>,
  done: (answer: SettingsAnswer) => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<SettingsAnswer> {
  const seen: string[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await ask();
    if (done(answer)) return answer;
    seen.push(`${answer.state} v${answer.settings.version}`);
    if (Date.now() > deadline) throw new Error(`waited in vain for ${what}; saw ${seen.join(", ")}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { GENERATED, generate } from "../../scripts/browser-scripts.js";
import { createIsr, createMemoryStore } from "../../src/index.js";
import { LOGIN_SCRIPT, PAGE_SCRIPT } from "../../src/inspector/browser-scripts.generated.js";
import { BASE, TOKEN } from "./fixtures.js";

const root = new URL("../..", import.meta.url).pathname;

describe("the inspector's browser scripts", () => {
  it("the committed bundle is what src/inspector/browser/*.ts bundles to now (run `npm run build` after editing them)", async () => {
    expect(readFileSync(GENERATED, "utf8")).toBe(await generate());
  });

  it("are inlined in the built package: its page and sign-in page carry them, nonce'd, and it reads no file", async () => {
    // The built entry point, as published (`npm test` builds first).
    const built = (await import(`${root}dist/inspector.js`)) as typeof import("../../src/inspector.js");
    const engine = createIsr({ namespace: "built", store: createMemoryStore(), fetch: () => 1 });
    const inspector = built.createInspector({ engines: [engine], token: TOKEN });
    const page = await inspector.fetch(new Request(BASE, { headers: { authorization: `Bearer ${TOKEN}` } }));
    const login = await inspector.fetch(new Request(BASE, { headers: { accept: "text/html" } }));
    for (const [response, script] of [
      [page, PAGE_SCRIPT],
      [login, LOGIN_SCRIPT],
    ] as const) {
      const html = await response.text();
      const nonce = /script-src 'nonce-([^']+)'/.exec(
        response.headers.get("content-security-policy") ?? "",
      )?.[1];
      expect(nonce).toBeDefined();
      expect(html).toContain(`<script nonce="${nonce}">${script}</script>`);
    }
    expect(PAGE_SCRIPT.length).toBeGreaterThan(10_000);
    // Everything in one inline script each: nothing fetched from the server, no file read.
    const code = readFileSync(`${root}dist/inspector.js`, "utf8");
    expect(code).not.toMatch(/readFile|node:fs|<script src=/);
  });
});

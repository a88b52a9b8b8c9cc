import { readdirSync, readFileSync } from "node:fs";
import { isBuiltin } from "node:module";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { createInspector } from "../../src/inspector.js";
import { authorized, TOKEN, tenantEngine } from "./fixtures.js";

describe("inspector page", () => {
  it("is static markup whose script and style run only with this response's CSP nonce", async () => {
    const { isr } = tenantEngine();
    await isr.get("<img src=x onerror=alert(1)>", "acme");
    const inspector = createInspector({ engines: [isr], token: TOKEN, pollMs: 500 });
    const first = await inspector.fetch(authorized(""));
    const second = await inspector.fetch(authorized("/"));
    const html = await first.text();
    const csp = first.headers.get("content-security-policy") ?? "";
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(second.headers.get("content-security-policy")).not.toContain(`nonce-${nonce}`);
    expect(html).toContain(`<script nonce="${nonce}">`);
    expect(html).toContain(`<style nonce="${nonce}">`);
    expect(html).toContain('{"basePath":"/isr-inspector","pollMs":500,"showValues":false,"signOut":true}');
    // Keys are data: they reach the page as JSON, rendered as text by the script.
    expect(html).not.toContain("onerror");
    expect(first.headers.get("x-frame-options")).toBe("DENY");
  });

  it("answers only under basePath; a basePath with a trailing slash or at the root works", async () => {
    const { isr } = tenantEngine();
    const nested = createInspector({ engines: [isr], token: TOKEN, basePath: "/admin/cache/" });
    expect(nested.basePath).toBe("/admin/cache");
    expect(nested.handles("/admin/cache")).toBe(true);
    expect(nested.handles("/admin/cache/api")).toBe(true);
    expect(nested.handles("/admin/cachex")).toBe(false);
    expect(nested.handles("/isr-inspector")).toBe(false);
    const auth = { authorization: `Bearer ${TOKEN}` };
    expect((await nested.fetch(new Request("http://h/admin/cache/api", { headers: auth }))).status).toBe(200);
    expect((await nested.fetch(new Request("http://h/isr-inspector/api", { headers: auth }))).status).toBe(
      404,
    );
    const atRoot = createInspector({ engines: [isr], token: TOKEN, basePath: "/" });
    expect(atRoot.basePath).toBe("");
    expect((await atRoot.fetch(new Request("http://h/api", { headers: auth }))).status).toBe(200);
    expect((await atRoot.fetch(new Request("http://h/", { headers: auth }))).status).toBe(200);
  });
});

describe("isr-plug/inspector's sources", () => {
  it("import no Node built-ins (the Web handler runs on Bun, Deno and workers)", () => {
    const root = resolve(import.meta.dirname, "../../src");
    const files = [
      join(root, "inspector.ts"),
      // The browser scripts (inspector/browser/) included: they are inlined in the page.
      ...readdirSync(join(root, "inspector"), { recursive: true, encoding: "utf8" })
        .filter((f) => f.endsWith(".ts"))
        .map((f) => join(root, "inspector", f)),
    ];
    const seen = new Set<string>();
    const imported = new Set<string>();
    for (let file = files.pop(); file !== undefined; file = files.pop()) {
      if (seen.has(file)) continue;
      seen.add(file);
      const code = readFileSync(file, "utf8");
      // Type-only imports vanish at build time; everything else is loaded at run time.
      for (const [, typeOnly, specifier] of code.matchAll(
        /^(?:import|export)\s+(type\s+)?[^;]*?from\s+"([^"]+)"/gm,
      )) {
        if (specifier === undefined || typeOnly !== undefined) continue;
        if (specifier.startsWith(".")) files.push(resolve(dirname(file), specifier.replace(/\.js$/, ".ts")));
        else imported.add(specifier);
      }
    }
    expect(seen.size).toBeGreaterThan(8);
    expect([...imported].filter((specifier) => isBuiltin(specifier))).toEqual([]);
  });
});

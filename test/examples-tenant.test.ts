import { describe, expect, it } from "vitest";
import { GET } from "../examples/web/route.js";

describe("examples/web", () => {
  it("takes the tenant from the Host header, not from request.url (which Next.js sets to its own address)", async () => {
    // As under `next start`: the URL names the server, the Host header names the tenant.
    const as = (host: string) => new Request("http://localhost:3000/api/settings", { headers: { host } });
    const acme = await GET(as("acme.example.com"));
    const globex = await GET(as("globex.example.com"));
    expect(await acme.json()).toEqual({ featureXEnabled: true, theme: "dark" });
    expect(await globex.json()).toEqual({ featureXEnabled: true, theme: "light" });
    expect(globex.headers.get("x-isr-state")).toBe("miss");
  });
});

import { afterEach, describe, expect, it, vi } from "vitest";

// Next.js's Edge runtime defines a `process` whose unsupported members throw when read.
const original = Object.getOwnPropertyDescriptor(process, "getBuiltinModule");
afterEach(() => {
  if (original === undefined) Reflect.deleteProperty(process, "getBuiltinModule");
  else Object.defineProperty(process, "getBuiltinModule", original);
  vi.resetModules();
});

describe("on a runtime whose process.getBuiltinModule throws when read (Next.js Edge)", () => {
  it("the engine still loads and serves, with silent diagnostics channels", async () => {
    Object.defineProperty(process, "getBuiltinModule", {
      configurable: true,
      get() {
        throw new Error(
          "A Node.js API is used (process.getBuiltinModule) which is not supported in the Edge Runtime.",
        );
      },
    });
    vi.resetModules();
    const { channels, tracingFetches } = await import("../../src/observe/channels.js");
    expect(channels.hit.hasSubscribers).toBe(false);
    expect(tracingFetches()).toBe(false);
    const { createIsr, createMemoryStore } = await import("../../src/index.js");
    const isr = createIsr({ fetch: () => "value", store: createMemoryStore() });
    expect(await isr.get("k")).toMatchObject({ value: "value", state: "miss" });
    expect(await isr.get("k")).toMatchObject({ value: "value", state: "fresh" });
    await isr.close();
  });
});

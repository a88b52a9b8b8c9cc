import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { collectSuite } from "./collect.js";

// The suite is runner-independent: here node:test runs it, from the built package loaded by its
// own name (`npm test` builds first), against the store of the docs' example and a flawed one.
const root = resolve(import.meta.dirname, "../..");
const fixtures = join(root, "test/testing/node");

/** `node --test` on one fixture: its exit code and TAP report. */
async function nodeTest(file: string): Promise<{ code: number; tap: string }> {
  try {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--test", "--test-reporter=tap", join(fixtures, file)],
      { cwd: root, encoding: "utf8" },
    );
    return { code: 0, tap: stdout };
  } catch (error) {
    const { code, stdout } = error as { code?: unknown; stdout?: string };
    if (typeof code !== "number" || stdout === undefined) throw error;
    return { code, tap: stdout };
  }
}

/** What TAP says of each test: `name → ok | not ok` (the suite's `describe` line included). */
function outcomes(tap: string): Map<string, string> {
  return new Map(
    [...tap.matchAll(/^\s*(ok|not ok) \d+ - (.+)$/gm)].map(([, outcome, name]) => [
      name ?? "",
      outcome ?? "",
    ]),
  );
}

const count = (tap: string, what: string) => Number(new RegExp(`^# ${what} (\\d+)$`, "m").exec(tap)?.[1]);

const SUITE = collectSuite(() => {
  throw new Error("only the names are read");
}).map((test) => test.name);

describe("isr-plug/testing under node:test", () => {
  it("is built (npm test builds first)", () => {
    expect(existsSync(join(root, "dist/testing.js"))).toBe(true);
  });

  it("passes every test of the suite against the docs' example store", async () => {
    const { code, tap } = await nodeTest("my-store.test.mjs");
    expect(count(tap, "fail")).toBe(0);
    expect(count(tap, "pass")).toBe(SUITE.length);
    const seen = outcomes(tap);
    for (const name of SUITE) expect(seen.get(name), name).toBe("ok");
    expect(code).toBe(0);
  });

  it("reports the failing test of a flawed store and exits non-zero", async () => {
    const { code, tap } = await nodeTest("json-store.test.mjs");
    const failed = [...outcomes(tap)].filter(([, outcome]) => outcome === "not ok").map(([name]) => name);
    expect(failed).toEqual(["keeps times exactly, Infinity included", "json store: store conformance"]);
    expect(count(tap, "pass")).toBe(SUITE.length - 1);
    expect(code).toBe(1);
  });

  it("docs/API.md shows the example node:test runs, verbatim", () => {
    const api = readFileSync(join(root, "docs/API.md"), "utf8");
    const section = api.slice(api.indexOf("## Testing your own store: `isr-plug/testing`"));
    const example = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
    expect(example).toBe(readFileSync(join(fixtures, "my-store.test.mjs"), "utf8"));
  });
});

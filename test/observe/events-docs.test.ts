import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { type DocumentedEvent, readEventTable, readEventTypes, withoutRemarks } from "./event-types.js";

const root = resolve(import.meta.dirname, "../..");
const apiDoc = readFileSync(resolve(root, "docs/API.md"), "utf8");
const guide = readFileSync(resolve(root, "docs/observability.md"), "utf8");

/** Carried by every event (or all but one), and said once above the table rather than per row. */
const COMMON = new Set(["namespace", "key"]);

describe("docs/API.md's event table follows the payload types of src/observe/events.ts", () => {
  const types = readEventTypes();
  const table = readEventTable(apiDoc);
  const documented = new Map<string, DocumentedEvent>(table.map((row) => [row.name, row]));

  it("the types were read (the check below is not vacuous)", () => {
    expect(types.size).toBeGreaterThan(10);
    expect(types.get("fetchStart")?.get("purpose")?.literals?.length).toBeGreaterThan(1);
  });

  it("lists every event exactly once, and no other", () => {
    expect(table.map((row) => row.name).sort()).toEqual([...types.keys()].sort());
    expect(new Set(table.map((row) => row.name)).size).toBe(table.length);
  });

  it("says which events carry namespace and key, as the types do", () => {
    for (const [name, fields] of types) expect(fields.has("namespace"), name).toBe(true);
    const withoutKey = [...types].filter(([, fields]) => !fields.has("key")).map(([name]) => name);
    const sentence = /all but ((?:`\w+`(?:, | and )?)+) carry `key`/.exec(apiDoc);
    expect(sentence, "docs/API.md must say which events do not carry `key`").not.toBeNull();
    const named = [...(sentence?.[1] ?? "").matchAll(/`(\w+)`/g)].map((m) => m[1]);
    expect(named.sort()).toEqual(withoutKey.sort());
  });

  it("names each event's own fields, no more and no fewer", () => {
    for (const [name, fields] of types) {
      const own = [...fields.keys()].filter((field) => !COMMON.has(field)).sort();
      expect([...(documented.get(name)?.fields.keys() ?? [])].sort(), `fields of ${name}`).toEqual(own);
    }
  });

  it("gives the values of every field made of string literals, at least once, and exactly those", () => {
    // Each row that lists values lists the type's values; each field's values appear somewhere.
    const listed = new Map<string, string[][]>();
    for (const [name, fields] of types) {
      for (const [field, { literals }] of fields) {
        const values = documented.get(name)?.fields.get(field);
        if (values === undefined) continue;
        expect(values, `${name}.${field}`).toEqual(literals);
        listed.set(field, [...(listed.get(field) ?? []), values]);
      }
    }
    for (const [name, fields] of types) {
      for (const [field, { literals }] of fields) {
        if (literals === undefined || COMMON.has(field)) continue;
        expect(
          listed.get(field) ?? [],
          `the values of ${name}.${field} are listed in some row`,
        ).toContainEqual(literals);
      }
    }
  });

  it("docs/observability.md's list of events names the same events", () => {
    const line = guide.split("\n").find((text) => text.startsWith("Events: "));
    expect(line, "docs/observability.md must have a line `Events: ...`").toBeDefined();
    // The list ends at the first full stop; field names in parentheses are not events.
    const list = withoutRemarks((line ?? "").slice("Events: ".length)).split(".")[0] ?? "";
    const names = [...list.matchAll(/`(\w+)`/g)].map((m) => m[1]);
    expect(names.sort()).toEqual([...types.keys()].sort());
  });
});

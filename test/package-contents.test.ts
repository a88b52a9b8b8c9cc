import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { posix } from "node:path";
import { describe, expect, it } from "vitest";

const root = new URL("..", import.meta.url).pathname;

/** What `npm pack` would publish (npm's own variables left out: `npm test` sets them). */
function packedFiles(): { path: string; size: number }[] {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));
  const json = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
    cwd: root,
    env,
    encoding: "utf8",
  });
  const [packed] = JSON.parse(json) as [{ files: { path: string; size: number }[] }];
  return packed.files;
}

describe("the published package", () => {
  it("ships the build, its types and the docs: no source maps, no sources, no link to a file it lacks", () => {
    const files = packedFiles().map((file) => file.path);
    expect(files).toContain("dist/index.js");
    expect(files).toContain("dist/index.d.ts");
    expect(files).toContain("docs/API.md");
    expect(files.filter((path) => path.endsWith(".map") || path.startsWith("src/"))).toEqual([]);
    expect(
      files.filter((path) => !/^(dist\/|docs\/[\w-]+\.md$|LICENSE$|README\.md$|package\.json$)/.test(path)),
    ).toEqual([]);
    // The shipped docs link to each other: every relative link must land on a shipped file.
    const broken: string[] = [];
    for (const doc of files.filter((path) => path.startsWith("docs/"))) {
      const text = readFileSync(`${root}${doc}`, "utf8");
      for (const [, target] of text.matchAll(/\]\(([^)#\s]+\.md)(?:#[^)]*)?\)/g)) {
        if (target === undefined || /^[a-z]+:/.test(target)) continue;
        const resolved = posix.normalize(posix.join(posix.dirname(doc), target));
        if (!files.includes(resolved)) broken.push(`${doc} -> ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });
});

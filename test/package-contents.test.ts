import { execFileSync } from "node:child_process";
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
  it("ships the build, its types and the API reference: no source maps, no sources", () => {
    const files = packedFiles().map((file) => file.path);
    expect(files).toContain("dist/index.js");
    expect(files).toContain("dist/index.d.ts");
    expect(files.filter((path) => path.endsWith(".map") || path.startsWith("src/"))).toEqual([]);
    expect(
      files.filter((path) => !/^(dist\/|docs\/API\.md$|LICENSE$|README\.md$|package\.json$)/.test(path)),
    ).toEqual([]);
  });
});

import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import GithubSlugger from "github-slugger";
import { describe, expect, it } from "vitest";

// Every relative link of the repo's Markdown, and every repo path named in a source comment,
// must point at a file that exists (and a Markdown anchor at a heading that exists), so moving
// or retiring a file cannot leave readers at a dead end.
const root = resolve(import.meta.dirname, "../..");

/** Files git knows (tracked or new, not ignored): what a fresh clone would hold. */
function repoFiles(): string[] {
  return execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], {
    cwd: root,
    encoding: "utf8",
  })
    .split("\n")
    .filter((file) => file !== "" && existsSync(join(root, file)));
}

const MARKDOWN_LINK = /\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g;
/** A repo path as comments write it: a known top folder, then path segments and an extension. */
const COMMENT_PATH =
  /\b((?:docs|bench|src|test|examples|scripts|demo)\/[\w./[\]-]*\.(?:md|ts|js|json|svg))\b/g;

function withoutCode(markdown: string): string {
  // Links inside fenced code are examples, not links.
  return markdown.replace(/^([ \t]*)(`{3,}|~{3,})[^\n]*\n[\s\S]*?^\1\2[ \t]*$/gm, "");
}

function headingsOf(file: string): Set<string> {
  const slugger = new GithubSlugger();
  const anchors = new Set<string>();
  for (const line of withoutCode(readFileSync(file, "utf8")).split("\n")) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading?.[1] !== undefined) anchors.add(slugger.slug(heading[1]));
  }
  return anchors;
}

function markdownProblems(file: string): string[] {
  const problems: string[] = [];
  const text = withoutCode(readFileSync(join(root, file), "utf8"));
  for (const match of text.matchAll(MARKDOWN_LINK)) {
    const target = match[1] ?? "";
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("//")) continue;
    const [path = "", anchor] = target.split("#");
    const resolved = path === "" ? join(root, file) : resolve(dirname(join(root, file)), decodeURI(path));
    if (!existsSync(resolved)) {
      problems.push(`${file}: link to missing ${target}`);
      continue;
    }
    if (anchor !== undefined && anchor !== "" && resolved.endsWith(".md") && statSync(resolved).isFile()) {
      if (!headingsOf(resolved).has(anchor)) problems.push(`${file}: no heading for #${anchor} in ${target}`);
    }
  }
  return problems;
}

function commentProblems(file: string): string[] {
  const problems: string[] = [];
  const text = readFileSync(join(root, file), "utf8");
  // Only comments: line comments and block comments (JSDoc included).
  for (const comment of text.matchAll(/\/\/[^\n]*|\/\*[\s\S]*?\*\//g)) {
    for (const path of comment[0].matchAll(COMMENT_PATH)) {
      const named = path[1] ?? "";
      if (named.includes("*") || named.includes("<")) continue;
      if (!existsSync(join(root, named))) problems.push(`${file}: comment names missing ${named}`);
    }
  }
  return problems;
}

describe("links", () => {
  const files = repoFiles();

  it("finds the docs and sources to check", () => {
    expect(files).toContain("README.md");
    expect(files).toContain("docs/API.md");
    expect(files.some((file) => file.startsWith("src/"))).toBe(true);
  });

  it("every relative link in the repo's Markdown points at a file (and heading) that exists", () => {
    const problems = files.filter((file) => file.endsWith(".md")).flatMap(markdownProblems);
    expect(problems).toEqual([]);
  });

  it("every repo path named in a source comment exists", () => {
    const sources = files.filter(
      (file) => /\.(ts|tsx|js|mjs|cjs)$/.test(file) && !file.startsWith("test/docs/"),
    );
    const problems = sources.flatMap(commentProblems);
    expect(problems, problems.map((problem) => relative(root, problem)).join("\n")).toEqual([]);
  });
});

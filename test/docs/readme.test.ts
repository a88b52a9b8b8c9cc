import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import ts from "typescript";
import { beforeAll, describe, expect, it } from "vitest";
import { type CodeBlock, typescriptBlocks } from "./readme-blocks.js";

// Every TypeScript block of the README and of the user guides it links to is compiled under
// `strict`, against the built package (`npm test` builds first) and the frameworks' own types,
// so a snippet cannot drift from the API.
const root = resolve(import.meta.dirname, "../..");
const GUIDES = ["README.md", "docs/fleet.md", "docs/observability.md", "docs/performance.md"];
interface GuideBlock extends CodeBlock {
  guide: string;
}
const blocks: GuideBlock[] = GUIDES.filter((guide) => existsSync(join(root, guide))).flatMap((guide) =>
  typescriptBlocks(readFileSync(join(root, guide), "utf8")).map((block) => ({ ...block, guide })),
);
/** Where the blocks live, virtually: inside the package, so `isr-plug/...` resolves to its build. */
const virtualRoot = join(root, "test/docs/readme");

/** What the snippets take as the reader's own (the README names them before the first snippet). */
const READER_CONTEXT = `
type Settings = { featureXEnabled: boolean; theme: "dark" | "light" };
declare const DEFAULT_SETTINGS: Settings;
declare function loadSettingsFromDb(tenantId: string, options?: { signal?: AbortSignal }): Promise<Settings>;
declare function tenantOf(host: string | null | undefined): string;
`;

const fileOf = (block: GuideBlock) =>
  join(
    virtualRoot,
    block.file ??
      `${block.guide.replaceAll("/", "_")}-line-${block.line}.${block.language === "tsx" ? "tsx" : "ts"}`,
  );
const nameOf = (block: GuideBlock) => `${block.guide} line ${block.line}, under "${block.heading}"`;

/** The folders above a virtual file, up to the virtual root. */
function ancestorsOf(file: string): string[] {
  const folders: string[] = [];
  for (let dir = dirname(file); dir.startsWith(virtualRoot); dir = dirname(dir)) folders.push(dir);
  return folders;
}

function compile(): Map<GuideBlock, string[]> {
  const virtual = new Map<string, string>([[join(virtualRoot, "reader-context.d.ts"), READER_CONTEXT]]);
  for (const block of blocks) virtual.set(fileOf(block), block.code);
  const options: ts.CompilerOptions = {
    strict: true,
    noUncheckedIndexedAccess: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    // Each block is a module of its own, with or without imports.
    moduleDetection: ts.ModuleDetectionKind.Force,
    esModuleInterop: true,
    jsx: ts.JsxEmit.Preserve,
    skipLibCheck: true,
    noEmit: true,
    types: ["node"],
    // Next.js's `@/` alias: a block named `// lib/settings.ts` is `@/lib/settings`.
    paths: { "@/*": [`${virtualRoot}/*`] },
  };
  const host = ts.createCompilerHost(options);
  const { fileExists, readFile, getSourceFile, directoryExists } = host;
  const virtualDirectories = new Set([...virtual.keys()].flatMap((file) => ancestorsOf(file)));
  host.directoryExists = (dir) => virtualDirectories.has(dir) || (directoryExists?.call(host, dir) ?? true);
  host.fileExists = (file) => virtual.has(file) || fileExists.call(host, file);
  host.readFile = (file) => virtual.get(file) ?? readFile.call(host, file);
  host.getSourceFile = (file, language, ...rest) => {
    const code = virtual.get(file);
    return code === undefined
      ? getSourceFile.call(host, file, language, ...rest)
      : ts.createSourceFile(file, code, language, true);
  };
  const program = ts.createProgram([...virtual.keys()], options, host);
  const found = new Map<GuideBlock, string[]>(blocks.map((block) => [block, []]));
  const byFile = new Map(blocks.map((block) => [fileOf(block), block]));
  const elsewhere: string[] = [];
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n");
    const block = diagnostic.file === undefined ? undefined : byFile.get(diagnostic.file.fileName);
    if (block === undefined || diagnostic.file === undefined || diagnostic.start === undefined) {
      elsewhere.push(`${diagnostic.file?.fileName ?? "(no file)"}: TS${diagnostic.code} ${message}`);
      continue;
    }
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
    found.get(block)?.push(`${block.guide}:${block.line + 1 + line}: TS${diagnostic.code} ${message}`);
  }
  if (elsewhere.length > 0)
    throw new Error(`the guides' blocks could not be compiled:\n${elsewhere.join("\n")}`);
  return found;
}

describe("the TypeScript blocks of README.md and the guides compile under strict", () => {
  let diagnostics: Map<GuideBlock, string[]>;
  beforeAll(() => {
    if (!existsSync(join(root, "dist/index.d.ts"))) {
      throw new Error("the README's blocks import the built package: npm run build (npm test builds first)");
    }
    diagnostics = compile();
  }, 60_000);

  it("are found (fences marked ts or typescript) in the README and in each guide", () => {
    expect(blocks.length).toBeGreaterThanOrEqual(10);
    for (const guide of ["README.md", "docs/fleet.md", "docs/observability.md"]) {
      expect(
        blocks.some((block) => block.guide === guide),
        guide,
      ).toBe(true);
    }
  });

  it.each(blocks.map((block) => [nameOf(block), block] as const))("%s", (name, block) => {
    expect(diagnostics.get(block), `${name} does not compile`).toEqual([]);
  });
});

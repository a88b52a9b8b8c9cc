/** One fenced TypeScript block of a Markdown file. */
export interface CodeBlock {
  /** The line of its opening fence (1-based). */
  line: number;
  /** The fence's language, lower-cased: ts, typescript or tsx. */
  language: string;
  /** The heading it sits under, for messages. */
  heading: string;
  /** The file it is, when its first line names one (`// lib/settings.ts`); else undefined. */
  file: string | undefined;
  code: string;
}

const TYPESCRIPT = new Set(["ts", "typescript", "tsx"]);
const FENCE = /^(\s*)(`{3,}|~{3,})\s*([\w+-]*)/;
const NAMED_FILE = /^\/\/\s*([\w@./[\]-]+\.tsx?)\s*(?::.*)?$/;

/**
 * The fenced code blocks written in TypeScript (by the fence's language: ts, typescript, tsx),
 * with where they are. Blocks in other languages, and indented code, are left out.
 */
export function typescriptBlocks(markdown: string): CodeBlock[] {
  const lines = markdown.split("\n");
  const blocks: CodeBlock[] = [];
  let heading = "(top)";
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i] ?? "";
    const open = FENCE.exec(text);
    if (open === null) {
      if (/^#{1,6}\s/.test(text)) heading = text.trim();
      continue;
    }
    const [, indent = "", fence = "```", language = ""] = open;
    // Closed by a line of at least as many of the same fence characters, and nothing else.
    const close = new RegExp(`^\\s*${fence[0] === "~" ? "~" : "`"}{${fence.length},}\\s*$`);
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !close.test(lines[j] ?? ""); j++) {
      const line = lines[j] ?? "";
      body.push(line.startsWith(indent) ? line.slice(indent.length) : line);
    }
    const lang = language.toLowerCase();
    if (TYPESCRIPT.has(lang)) {
      const file = NAMED_FILE.exec(body[0] ?? "")?.[1];
      blocks.push({ line: i + 1, language: lang, heading, file, code: body.join("\n") });
    }
    i = j;
  }
  return blocks;
}

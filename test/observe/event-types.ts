import { resolve } from "node:path";
import ts from "typescript";

/** One field of an event's payload, as its type declares it. */
export interface PayloadField {
  optional: boolean;
  /** The string literals the field may hold, when its type is made of string literals only. */
  literals: string[] | undefined;
}

export const EVENTS_SOURCE = resolve(import.meta.dirname, "../../src/observe/events.ts");

/**
 * Reads `IsrEvents` from src/observe/events.ts with the TypeScript checker: every event name
 * and its payload's fields, intersections and aliases (`FetchPurpose`) resolved. The types are
 * the single source; the docs are checked against what this returns.
 */
export function readEventTypes(): Map<string, Map<string, PayloadField>> {
  const program = ts.createProgram([EVENTS_SOURCE], {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: [],
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(EVENTS_SOURCE);
  if (source === undefined) throw new Error(`cannot read ${EVENTS_SOURCE}`);
  const declaration = source.statements.find(
    (statement): statement is ts.InterfaceDeclaration =>
      ts.isInterfaceDeclaration(statement) && statement.name.text === "IsrEvents",
  );
  if (declaration === undefined) throw new Error("no interface IsrEvents in src/observe/events.ts");
  const events = new Map<string, Map<string, PayloadField>>();
  for (const event of checker.getPropertiesOfType(checker.getTypeAtLocation(declaration))) {
    const payload = checker.getTypeOfSymbolAtLocation(event, declaration);
    const fields = new Map<string, PayloadField>();
    for (const field of checker.getPropertiesOfType(payload)) {
      const type = checker.getNonNullableType(checker.getTypeOfSymbolAtLocation(field, declaration));
      const parts = type.isUnion() ? type.types : [type];
      const literals = parts.every((part) => part.isStringLiteral())
        ? parts.map((part) => (part as ts.StringLiteralType).value).sort()
        : undefined;
      fields.set(field.name, { optional: (field.flags & ts.SymbolFlags.Optional) !== 0, literals });
    }
    events.set(event.name, fields);
  }
  return events;
}

/** One row of the docs' event table: the event, and each field it names, with values if listed. */
export interface DocumentedEvent {
  name: string;
  fields: Map<string, string[] | undefined>;
}

/** Splits a Markdown table row on its unescaped pipes. */
function cells(row: string): string[] {
  return row
    .trim()
    .replace(/^\||\|$/g, "")
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim());
}

/** The text without its parenthesized remarks (nested ones included): they name no fields. */
export function withoutRemarks(text: string): string {
  let depth = 0;
  let kept = "";
  for (const char of text) {
    if (char === "(") depth++;
    if (depth === 0) kept += char;
    if (char === ")" && depth > 0) depth--;
  }
  return kept;
}

/**
 * The table under the header `| event | when | fields |` in a Markdown text. A field is a code
 * span `name` or `name: "a" \| "b"` (its values); remarks in parentheses are skipped.
 */
export function readEventTable(markdown: string): DocumentedEvent[] {
  const lines = markdown.split("\n");
  const start = lines.findIndex((line) => /^\|\s*event\s*\|\s*when\s*\|\s*fields\s*\|$/.test(line.trim()));
  if (start < 0) throw new Error("no | event | when | fields | table");
  const rows: DocumentedEvent[] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.trim().startsWith("|")) break;
    const [event, , fieldCell = ""] = cells(line);
    const name = /^`(\w+)`$/.exec(event ?? "")?.[1];
    if (name === undefined) throw new Error(`the event cell must be one code span: ${line}`);
    const fields = new Map<string, string[] | undefined>();
    for (const [, span = ""] of withoutRemarks(fieldCell).matchAll(/`([^`]+)`/g)) {
      const match = /^(\w+)(?::\s*(.+))?$/.exec(span);
      if (match === null) throw new Error(`a field must read \`name\` or \`name: values\`: ${span}`);
      const [, field = "", values] = match;
      const literals =
        values === undefined
          ? undefined
          : values
              .split(/\s*\\?\|\s*/)
              .map((value) => {
                const literal = /^"([^"]*)"$/.exec(value)?.[1];
                if (literal === undefined) throw new Error(`values must be string literals: ${span}`);
                return literal;
              })
              .sort();
      fields.set(field, literals);
    }
    rows.push({ name, fields });
  }
  return rows;
}

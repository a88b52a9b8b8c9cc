import { describe, expect, it } from "vitest";
import { typescriptBlocks } from "./readme-blocks.js";

describe("typescriptBlocks", () => {
  it("takes fences marked ts, typescript or tsx, with their line, heading and named file", () => {
    const markdown = [
      "# Title", // 1
      "```sh", // 2
      "npm test", // 3
      "```", // 4
      "## Usage", // 5
      "```ts", // 6
      "// lib/settings.ts", // 7
      "export const a = 1;", // 8
      "```", // 9
      "~~~typescript title", // 10
      "const b = 2;", // 11
      "~~~", // 12
      "```", // 13
      "plain", // 14
      "```", // 15
      "- item", // 16
      "  ```tsx", // 17
      "  const c = <div />;", // 18
      "  ```", // 19
    ].join("\n");
    expect(typescriptBlocks(markdown)).toEqual([
      {
        line: 6,
        language: "ts",
        heading: "## Usage",
        file: "lib/settings.ts",
        code: "// lib/settings.ts\nexport const a = 1;",
      },
      { line: 10, language: "typescript", heading: "## Usage", file: undefined, code: "const b = 2;" },
      { line: 17, language: "tsx", heading: "## Usage", file: undefined, code: "const c = <div />;" },
    ]);
  });

  it("does not take a heading-like line inside a block for a heading", () => {
    const blocks = typescriptBlocks(
      ["## A", "```ts", "# not a heading", "```", "```ts", "x;", "```"].join("\n"),
    );
    expect(blocks.map((block) => block.heading)).toEqual(["## A", "## A"]);
  });
});

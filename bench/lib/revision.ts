import { execFileSync } from "node:child_process";
import { ROOT } from "./child.js";

/** The commit the working tree is on, and whether src/ differs from it: what "isr-plug" was when measured. */
export function revision(): string {
  try {
    const run = (args: string[]) => execFileSync("git", args, { cwd: ROOT, encoding: "utf8" }).trim();
    const commit = run(["rev-parse", "--short", "HEAD"]);
    const dirty = run(["status", "--porcelain", "--", "src"]) !== "";
    return dirty ? `${commit} + uncommitted changes in src/` : commit;
  } catch {
    return "unknown (not a git checkout)";
  }
}

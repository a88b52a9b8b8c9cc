/** The inspector page's script: bundled into one inline script by scripts/browser-scripts.ts. */
import { start } from "./core.js";
import { startRows } from "./rows.js";

startRows();
start();

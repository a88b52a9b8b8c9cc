import { afterEach } from "vitest";

// Vitest already fails the run on an unhandled rejection; this names the test it came from.
const unhandled: unknown[] = [];
process.on("unhandledRejection", (reason) => {
  unhandled.push(reason);
});

afterEach(() => {
  if (unhandled.length > 0) {
    const reasons = unhandled.splice(0);
    throw new Error(`unhandled rejection(s) during this test: ${reasons.map(String).join("; ")}`);
  }
});

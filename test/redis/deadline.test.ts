import { describe, expect, it } from "vitest";
import { IsrRedisTimeoutError } from "../../src/errors.js";
import { bounded } from "../../src/stores/redis/link.js";

/** Keeps this turn of the event loop busy for `ms` (a long synchronous burst of requests). */
function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spinning on purpose
  }
}

/** A command written at the end of this turn (as node-redis does, in a setImmediate) and answered `afterMs` later. */
function sentAtTurnEnd<T>(value: T, afterMs: number): Promise<T> {
  return new Promise((resolve) => setImmediate(() => setTimeout(() => resolve(value), afterMs)));
}

describe("a Redis command's deadline", () => {
  it("counts from the end of the turn that sent the command, not from the call", async () => {
    const answer = bounded(sentAtTurnEnd("ok", 10), 50);
    // The turn that issued it outlasts the deadline; the command has not even left yet.
    busy(80);
    await expect(answer).resolves.toBe("ok");
  });

  it("still times out a command that gets no answer", async () => {
    const answer = bounded(new Promise<never>(() => {}), 20);
    busy(40);
    await expect(answer).rejects.toBeInstanceOf(IsrRedisTimeoutError);
  });

  it("settles with the command as soon as it does", async () => {
    await expect(bounded(Promise.resolve(1), 50)).resolves.toBe(1);
    await expect(bounded(Promise.reject(new Error("refused")), 50)).rejects.toThrow("refused");
  });
});

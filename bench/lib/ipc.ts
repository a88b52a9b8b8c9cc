/** The child's half of lib/child.ts: answer requests, report one result, exit when asked. */

type Handler = (data: unknown) => unknown;

function send(message: object): void {
  if (process.send === undefined)
    throw new Error("bench children must be started by bench/run.ts (no IPC channel)");
  process.send(message);
}

/** Reports the measurement; the parent then asks this process to exit. */
export function reportResult(data: unknown): void {
  send({ type: "result", data });
}

export function reportFailure(error: unknown): void {
  send({ type: "failed", error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
}

/**
 * Serves the parent's requests. The child lives until the parent sends "exit", which ends
 * it with `process.exit` so that `--cpu-prof` still writes its profile.
 */
export function serveRequests(handlers: Record<string, Handler> = {}, beforeExit?: () => unknown): void {
  process.on("message", (message: { id?: number; type: string; data?: unknown }) => {
    if (message.type === "exit") {
      // A cleanup that hangs must not keep the process (the parent kills it after 5 s anyway).
      setTimeout(() => process.exit(0), 2000).unref();
      Promise.resolve()
        .then(beforeExit)
        .catch(() => {})
        .finally(() => process.exit(0));
      return;
    }
    const handler = handlers[message.type];
    if (handler === undefined || message.id === undefined) return;
    const id = message.id;
    Promise.resolve()
      .then(() => handler(message.data))
      .then(
        (data) => send({ id, type: "ok", data }),
        (error: unknown) =>
          send({ id, type: "failed", error: error instanceof Error ? error.message : String(error) }),
      );
  });
}

/** Runs a one-shot measuring child: its result, or its failure, goes to the parent. */
export function runMeasurement(measure: () => Promise<unknown>): void {
  serveRequests();
  measure().then(reportResult, (error: unknown) => {
    reportFailure(error);
    process.exitCode = 1;
  });
}

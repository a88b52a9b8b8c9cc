import { type ChildProcess, spawn } from "node:child_process";
import { freePort } from "../helpers.js";

/** Whether this run must not skip anything: under CI=true a missing runtime is a failure. */
export const ci = !["", "0", "false"].includes(process.env.CI ?? "");

export { freePort };

export interface Started {
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  /** Stops the process and everything it started (its process group). */
  stop(): Promise<void>;
}

/**
 * Starts a server process in its own process group and resolves once its output matches
 * `ready` (with the match), or rejects with its output if it exits first or `timeoutMs` passes.
 */
export function startProcess(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; ready: RegExp; timeoutMs?: number },
): Promise<Started & { match: RegExpExecArray }> {
  const child: ChildProcess = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const started: Started = {
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        try {
          process.kill(-child.pid, "SIGTERM");
        } catch {
          // Already gone.
        }
      }
      await exited;
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void started.stop();
      reject(new Error(`${command} ${args.join(" ")} did not start in time:\n${output}`));
    }, options.timeoutMs ?? 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = options.ready.exec(output);
      if (match !== null) {
        clearTimeout(timer);
        resolve({ ...started, match });
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(
        new Error(`${command} ${args.join(" ")} exited (${code ?? signal}) before it was ready:\n${output}`),
      );
    });
  });
}

import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";

/**
 * V8's sampling profiler started and stopped from inside the process, so a profile covers
 * only the measured window: no start-up, no tsx loader thread (which `--cpu-prof` also
 * profiles). The file is a regular .cpuprofile for Chrome DevTools.
 */
export class Sampling {
  readonly #session = new Session();

  async start(intervalUs: number): Promise<void> {
    this.#session.connect();
    await this.#session.post("Profiler.enable");
    await this.#session.post("Profiler.setSamplingInterval", { interval: intervalUs });
    await this.#session.post("Profiler.start");
  }

  async stop(file: string): Promise<void> {
    const { profile } = await this.#session.post("Profiler.stop");
    writeFileSync(file, JSON.stringify(profile));
    this.#session.disconnect();
  }
}

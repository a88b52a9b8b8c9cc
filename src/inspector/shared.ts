/**
 * One answer shared by every caller for `everyMs`: however many pages and scripts poll, the
 * work behind it (reading every listed entry from the store) runs once per period. A take
 * still running is shared too, however long it runs.
 */
export class Shared<T> {
  readonly #take: () => Promise<T>;
  readonly #everyMs: number;
  readonly #clock: () => number;
  #pending: Promise<T> | undefined;
  #settled = false;
  #takenAt = 0;

  constructor(take: () => Promise<T>, everyMs: number, clock: () => number) {
    this.#take = take;
    this.#everyMs = everyMs;
    this.#clock = clock;
  }

  get(): Promise<T> {
    const now = this.#clock();
    if (this.#pending !== undefined && (!this.#settled || now - this.#takenAt < this.#everyMs)) {
      return this.#pending;
    }
    this.#takenAt = now;
    this.#settled = false;
    const pending = this.#take();
    this.#pending = pending;
    pending.then(
      () => {
        if (this.#pending === pending) this.#settled = true;
      },
      // A failure is not kept: the next caller tries again.
      () => {
        if (this.#pending === pending) this.#pending = undefined;
      },
    );
    return pending;
  }

  /** After an action: the next caller gets a new answer, not one that predates the change. */
  expire(): void {
    this.#pending = undefined;
  }
}

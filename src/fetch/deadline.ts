/**
 * Settles like `pending`, unless `ms` pass first: then rejects with what `onTimeout` returns
 * (it may abort the work). The timer is not unref'd: a script awaiting a hung fetch must see
 * the deadline settle it, not exit with the promise unsettled.
 */
export function withDeadline<T>(pending: PromiseLike<T>, ms: number, onTimeout: () => unknown): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), ms);
    pending.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

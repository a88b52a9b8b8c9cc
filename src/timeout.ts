/**
 * Settles like `pending`, unless `ms` pass first: then rejects with what `onTimeout` returns
 * (it may abort the work). The timer never keeps the process alive on its own.
 */
export function withTimeout<T>(pending: Promise<T>, ms: number, onTimeout: () => unknown): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), ms);
    timer.unref?.();
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

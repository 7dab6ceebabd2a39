/**
 * Small promise helpers Node 20 lacks (`Promise.withResolvers` arrived in Node 22).
 */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** setTimeout's and setInterval's ceiling in seconds (~24.8 days): a longer delay fires at once, every 1 ms for an interval. */
export const MAX_TIMER_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/** A promise whose rejection is never reported as unhandled; awaiting it still throws. */
export function quiet<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

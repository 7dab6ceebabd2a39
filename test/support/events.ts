/**
 * Waiting for events in tests, never for time: a test waits until something it can observe happened
 * (a promise settled, another thread raised a flag in shared memory). Each wait has one generous safety
 * bound, far beyond any scheduling delay on a busy machine, after which it fails with a message naming
 * the event that never came — so a broken engine fails clearly instead of hanging, and a slow machine
 * never fails at all.
 */

/** How long a test waits for an event before it calls the event missing. */
export const EVENT_SAFETY_MS = 20_000;

/** `p`, or a rejection naming `what` if `p` is still pending after EVENT_SAFETY_MS. */
export function settles<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const missing = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still waiting for ${what} after ${EVENT_SAFETY_MS} ms`)), EVENT_SAFETY_MS);
  });
  return Promise.race([p, missing]).finally(() => clearTimeout(timer));
}

/** `Atomics.waitAsync` (Node 16+), typed here because it is in a newer `lib` than the project compiles against. */
type WaitAsync = (flags: Int32Array, slot: number, value: number, timeoutMs: number) => { readonly value: Promise<string> | string };
const waitAsync = (Atomics as unknown as { readonly waitAsync: WaitAsync }).waitAsync;

/** Resolves once another thread changed `flags[slot]` from 0 (and notified it). */
export async function signalled(flags: Int32Array, slot: number, what: string): Promise<void> {
  const { value } = waitAsync(flags, slot, 0, EVENT_SAFETY_MS);
  if ((await value) === 'timed-out') throw new Error(`still waiting for ${what} after ${EVENT_SAFETY_MS} ms`);
}

/**
 * Checks `condition` until it holds, running `step` (a forced GC, say) before each look and letting
 * the event loop turn in between; fails naming `what` if it still does not hold after EVENT_SAFETY_MS.
 */
export async function until(condition: () => boolean, what: string, step?: () => void): Promise<void> {
  const deadline = performance.now() + EVENT_SAFETY_MS;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`still waiting for ${what} after ${EVENT_SAFETY_MS} ms`);
    step?.();
    await new Promise((r) => setTimeout(r, 10));
  }
}

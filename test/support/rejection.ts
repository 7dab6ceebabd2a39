/** The error a promise (or a call) rejects with; fails the test when it resolves instead. */
export async function rejection(p: Promise<unknown> | (() => unknown)): Promise<Error & { code?: string; status?: number }> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

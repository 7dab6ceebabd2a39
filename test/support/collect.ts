/**
 * A full collection, then a few turns of the event loop for the finalization callbacks (tasks of
 * their own), three times over: what the tests of recycled memory wait for before they look at what
 * died. Needs the test process's `--expose-gc`.
 */
export async function collectGarbage(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc!;
  for (let round = 0; round < 3; round++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

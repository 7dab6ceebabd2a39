/**
 * A run cut off by `close()` rejects with CancelledError saying the session was closed — not the
 * default "the session is still usable", which would be false: every later use fails with
 * SessionClosedError. (Executors reject with a fresh CancelledError; the run's abort reason is the one
 * reported.)
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CancelledError, newSession, type ProgressEvent, type Session, tensor as tt } from '../../src/index.js';

const opened: Session[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

describe.each(['local', 'threads'] as const)('a run cut off by close on the %s executor', (executor) => {
  it('rejects with a CancelledError that says the session was closed, not that it is still usable', async () => {
    const s = newSession({ mode: 'lazy', executor, ...(executor === 'threads' ? { workers: 2 } : {}), default: false });
    opened.push(s);
    const onProgress = (e: ProgressEvent): void => {
      if (e.done === 0 || e.done === e.total) return;
      s.off('progress', onProgress);
      void s.close();
    };
    s.on('progress', onProgress);
    const e = (await s.run(tt.ones([64], { chunkSize: 8 }).map((x) => x + 1).sum()).catch((x: unknown) => x)) as Error;
    expect(e).toBeInstanceOf(CancelledError);
    expect(e.message).toMatch(/session was closed/i);
    expect(e.message).not.toMatch(/still usable/);
  });
});

/**
 * Nudged collections (base/gcNudge.ts): a major one asked for while another asked for has not run yet
 * is not asked again (each is a full pause of the main thread's heap, which can be hundreds of MB of
 * the user's data); once one has run, the next nudge asks again. Minor ones are always asked.
 */
import { afterEach, expect, it, vi } from 'vitest';

type Options = { readonly type?: 'major' | 'minor'; readonly execution?: 'sync' | 'async' };
const realGc = (globalThis as { gc?: (o?: Options) => void }).gc!;

afterEach(() => {
  (globalThis as { gc?: unknown }).gc = realGc;
});

it('asks for one major collection until it has run, then for the next', async () => {
  const asked: Options[] = [];
  (globalThis as { gc?: unknown }).gc = (o?: Options) => asked.push(o ?? {});
  // A fresh module, so its collector is the recorder above.
  vi.resetModules();
  const { nudgeCollection } = await import('../../../src/base/gcNudge.js');
  // An empty young generation: no minor collection can come between the nudges below.
  realGc();
  nudgeCollection();
  nudgeCollection();
  nudgeCollection('minor');
  nudgeCollection('major');
  const majors = (): number => asked.filter((o) => o.type === 'major').length;
  expect(majors()).toBe(1);
  expect(asked.filter((o) => o.type === 'minor')).toHaveLength(1);
  expect(asked.every((o) => o.execution === 'async')).toBe(true);
  // The asked-for collection runs (here, for real, after the job that asked).
  await new Promise((resolve) => setTimeout(resolve, 5));
  realGc();
  nudgeCollection();
  expect(majors()).toBe(2);
  nudgeCollection();
  expect(majors()).toBe(2);
});
